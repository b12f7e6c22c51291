#!/usr/bin/env node
// Runs a compiled script from build/, compiling first only when a TypeScript source is
// newer than the last build. Usage: node scripts/run-built.js <script> [args...]
// (npm run plan and npm run bench:plan go through here.)
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const stamp = path.join(root, "build", ".stamp");

// Where TypeScript sources live (see tsconfig.json's include).
const SOURCES = ["index.ts", "tsconfig.json", "components", "scripts", "test"];

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith(".ts") || entry.name === "tsconfig.json") newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error("usage: node scripts/run-built.js <script> [args...]");
  process.exit(2);
}
const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
const newest = Math.max(...SOURCES.map((s) => {
  const full = path.join(root, s);
  if (!fs.existsSync(full)) return 0;
  return fs.statSync(full).isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs;
}));
if (newest > built) {
  const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", root], { stdio: ["ignore", "inherit", "inherit"] });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  fs.writeFileSync(stamp, new Date().toISOString() + "\n");
}
// Run in this process: a second Node.js start would cost more than the check above.
process.argv = [process.argv[0], path.join(root, "build", "scripts", `${script}.js`), ...args];
require(process.argv[1]);
