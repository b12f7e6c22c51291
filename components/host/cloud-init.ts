/**
 * The bootstrap user data of a host. It holds no secret and nothing that changes with a
 * Mastodon version: Hetzner replaces a server whose user data changes, so long-lived
 * hosts ignore later edits and get everything else over SSH.
 */
import { stringify } from "yaml";
import { AdminUser } from "../config/types";
import { OsFacts } from "./os";

export interface BootstrapInput {
  admins: AdminUser[];
  deployUser: string;
  os: OsFacts;
}

/** Directory served for ACME http-01 challenges by the catch-all site. */
export const ACME_WEBROOT = "/var/www/acme";

const SSHD_HARDENING = `# Managed by coop-mastodon bootstrap.
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
X11Forwarding no
MaxAuthTries 3
AllowAgentForwarding no
`;

const UNATTENDED_UPGRADES = `APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
APT::Periodic::AutocleanInterval "7";
`;

/** Port 80 answers ACME challenges and sends everything else to HTTPS. */
const CATCH_ALL_SITE = `# Managed by coop-mastodon bootstrap.
server {
  listen 80 default_server;
  listen [::]:80 default_server;
  server_name _;
  location /.well-known/acme-challenge/ {
    root ${ACME_WEBROOT};
  }
  location / {
    return 301 https://$host$request_uri;
  }
}
`;

/** root may connect to PostgreSQL over the socket as postgres (backups, restores); the
 * instance roles are added to the map by scripts/host/coop-pg-ident. */
function postgresPeerMap(major: number): string {
  const dir = `/etc/postgresql/${major}/main`;
  return [
    `printf '%s\\n' 'coop /^(.*)$ \\1' 'coop root postgres' >> ${dir}/pg_ident.conf`,
    `sed -i -E 's/^(local\\s+all\\s+(postgres|all)\\s+)peer\\s*$/\\1peer map=coop/' ${dir}/pg_hba.conf`,
    "systemctl reload postgresql",
  ].join(" && ");
}

export function renderBootstrap(input: BootstrapInput): string {
  const keys = input.admins.map((a) => a.sshPublicKey.trim());
  const users = [
    ...input.admins.map((a) => ({
      name: a.name,
      groups: ["sudo"],
      shell: "/bin/bash",
      sudo: "ALL=(ALL) NOPASSWD:ALL",
      lock_passwd: true,
      ssh_authorized_keys: [a.sshPublicKey.trim()],
    })),
    {
      name: input.deployUser,
      gecos: "Pulumi deployments",
      groups: ["sudo"],
      shell: "/bin/bash",
      sudo: "ALL=(ALL) NOPASSWD:ALL",
      lock_passwd: true,
      ssh_authorized_keys: keys,
    },
  ];
  const config = {
    users,
    disable_root: true,
    ssh_pwauth: false,
    package_update: true,
    package_upgrade: true,
    packages: input.os.packages,
    write_files: [
      { path: "/etc/ssh/sshd_config.d/10-coop-hardening.conf", permissions: "0644", content: SSHD_HARDENING },
      { path: "/etc/apt/apt.conf.d/20auto-upgrades", permissions: "0644", content: UNATTENDED_UPGRADES },
      { path: "/etc/nginx/sites-available/00-catch-all", permissions: "0644", content: CATCH_ALL_SITE },
    ],
    runcmd: [
      ["mkdir", "-p", ACME_WEBROOT, "/srv/mastodon", "/etc/coop-mastodon", "/var/lib/coop-mastodon"],
      ["rm", "-f", "/etc/nginx/sites-enabled/default"],
      ["ln", "-sf", "/etc/nginx/sites-available/00-catch-all", "/etc/nginx/sites-enabled/00-catch-all"],
      ["systemctl", "enable", "--now", "docker", "postgresql", "redis-server", "nginx", "unattended-upgrades"],
      ["sh", "-c", postgresPeerMap(input.os.postgresMajor)],
      ["systemctl", "reload", "nginx"],
      ["systemctl", "restart", "ssh"],
    ],
  };
  return `#cloud-config\n${stringify(config, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
