/**
 * `samsa` enables Node's compile cache in Node's default place (the OS temp
 * dir), both through bin/samsa.js and run as `node src/cli/main.ts`. Where
 * that directory cannot be created the command must run as if there were no
 * cache: same output, nothing on stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/processes.ts';
import { SAMSA_VERSION } from '../../src/version.ts';

const ROOT = join(import.meta.dirname, '..', '..');

test('samsa runs normally when the compile cache directory cannot be created', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-cc-'));
  try {
    // TMPDIR names a file: the cache's directory under it cannot be made.
    const notADir = join(dir, 'file');
    writeFileSync(notADir, '');
    for (const entry of [join(ROOT, 'bin', 'samsa.js'), join(ROOT, 'src', 'cli', 'main.ts')]) {
      const r = await run(process.execPath, [entry, 'version'], { timeoutMs: 30_000, env: { TMPDIR: notADir, NODE_COMPILE_CACHE: '' } });
      assert.equal(r.code, 0, `${entry}: ${r.stderr}`);
      assert.equal(r.stdout.trim(), SAMSA_VERSION);
      assert.equal(r.stderr, '');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
