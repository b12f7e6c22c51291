// Minimal stand-in for Mastodon's health endpoints in the drill tests: answers "OK" to
// every GET on 127.0.0.1:PORT. Usage: node health-server.mjs PORT [PIDFILE]
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node health-server.mjs PORT [PIDFILE]');
  process.exit(2);
}
createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('OK');
}).listen(port, '127.0.0.1', () => {
  if (process.argv[3]) writeFileSync(process.argv[3], String(process.pid));
});
