// Runs the bats suite of the host scripts (test/host/*.bats) and reports every TAP line
// as a node:test subtest, so that `node --test` prints one summary for everything.
// Needs bats (Debian package) and runs as root (real PostgreSQL/Redis/restic services).
// Fails, never skips, when bats is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function parseTap(text) {
  const results = [];
  let plan = null;
  let current = null;
  for (const line of text.split('\n')) {
    let m;
    if ((m = /^1\.\.(\d+)/.exec(line))) {
      plan = Number(m[1]);
    } else if ((m = /^(not ok|ok) (\d+) (.*)$/.exec(line))) {
      let name = m[3];
      let skip = null;
      const s = / # skip\b ?(.*)$/i.exec(name);
      if (s) {
        skip = s[1] || 'skipped';
        name = name.slice(0, s.index);
      }
      current = { ok: m[1] === 'ok', number: Number(m[2]), name, skip, diagnostics: [] };
      results.push(current);
    } else if (current && line.startsWith('#')) {
      current.diagnostics.push(line.replace(/^# ?/, ''));
    }
  }
  return { plan, results };
}

test('host scripts (bats test/host)', { timeout: 15 * 60 * 1000 }, async (t) => {
  const run = spawnSync('bats', ['--tap', 'test/host'], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) {
    assert.fail(`cannot run bats (${run.error.code ?? run.error.message}); install the Debian package "bats"`);
  }
  const { plan, results } = parseTap(run.stdout);
  for (const r of results) {
    await t.test(`${r.number} ${r.name}`, (st) => {
      if (r.skip !== null) {
        st.skip(r.skip);
        return;
      }
      if (!r.ok) assert.fail(r.diagnostics.join('\n') || 'bats test failed');
    });
  }
  assert.ok(results.length > 0, `bats printed no test results:\n${run.stdout}\n${run.stderr}`);
  assert.equal(results.length, plan, `bats planned ${plan} tests but reported ${results.length}\n${run.stderr}`);
  assert.equal(run.status, 0, `bats exited with ${run.status}\n${run.stderr.slice(-4000)}`);
});
