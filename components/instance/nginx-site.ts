/**
 * The reverse-proxy site of an instance. TLS certificates come from Let's Encrypt via
 * the catch-all site's ACME webroot. While `maintenance/on` exists, every request gets
 * the maintenance page with status 503, so upgrades never show a half-migrated site.
 */
import { InstanceConfig } from "../config/types";
import { appDir, streamingPort, webPort } from "./layout";

export interface SiteOptions {
  /** Directory with fullchain.pem and privkey.pem; tests point it at a self-signed pair. */
  tlsDir?: string;
  /** Overrides the instance directory; tests use a temporary one. */
  appDir?: string;
}

export function maintenanceFlag(name: string, dir = appDir(name)): string {
  return `${dir}/maintenance/on`;
}

export function renderNginxSite(name: string, inst: InstanceConfig, options: SiteOptions = {}): string {
  const dir = options.appDir ?? appDir(name);
  const tls = options.tlsDir ?? `/etc/letsencrypt/live/${inst.webDomain}`;
  const id = name.replace(/-/g, "_");
  return `# Rendered by coop-mastodon for instance ${name}. Do not edit on the host.
upstream mastodon_${id}_web {
  server 127.0.0.1:${webPort(inst.portBase)} fail_timeout=0;
}
upstream mastodon_${id}_streaming {
  server 127.0.0.1:${streamingPort(inst.portBase)} fail_timeout=0;
}
map $http_upgrade $mastodon_${id}_connection {
  default upgrade;
  '' close;
}

server {
  listen 443 ssl http2;
  listen [::]:443 ssl http2;
  server_name ${inst.webDomain};

  ssl_certificate ${tls}/fullchain.pem;
  ssl_certificate_key ${tls}/privkey.pem;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:mastodon_${id}:10m;

  # Mastodon accepts videos up to 99 MiB.
  client_max_body_size 100m;
  add_header Strict-Transport-Security "max-age=31536000" always;

  error_page 503 /maintenance.html;
  location = /maintenance.html {
    root ${dir}/maintenance;
    internal;
  }
  if (-f ${maintenanceFlag(name, dir)}) {
    return 503;
  }

  # Local media are files on the host; serve them without a trip through Rails.
  location /system/ {
    alias ${dir}/public/system/;
    add_header Cache-Control "public, max-age=2419200, immutable";
    add_header Strict-Transport-Security "max-age=31536000" always;
    try_files $uri =404;
  }

  location /api/v1/streaming {
    proxy_pass http://mastodon_${id}_streaming;
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $mastodon_${id}_connection;
    proxy_buffering off;
    proxy_redirect off;
    tcp_nodelay on;
  }

  location / {
    proxy_pass http://mastodon_${id}_web;
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_buffering on;
    proxy_redirect off;
    tcp_nodelay on;
  }
}
`;
}

export function renderMaintenancePage(inst: Pick<InstanceConfig, "webDomain">): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${inst.webDomain} is being upgraded</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style>
</head>
<body>
<h1>${inst.webDomain} is being upgraded</h1>
<p>We are upgrading the server software. This usually takes a few minutes; your posts and
follows are safe. Please try again shortly.</p>
</body>
</html>
`;
}
