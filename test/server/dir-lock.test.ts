/**
 * One process per data directory: an embedded broker holds `.lock` in its
 * directories; a second broker on the same directory is refused with a clear
 * message, and the directory is free again once the first stops (or when
 * the lock names a process that no longer exists).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirLockedError, startBroker } from '../../src/server/index.ts';
import { tempDir } from '../helpers/broker.ts';

const quiet = { log: () => {} };

test('a second broker on the same data directory is refused until the first stops', { timeout: 30_000 }, async () => {
  const t = tempDir('samsa-lock-');
  try {
    const first = await startBroker({ dataDir: t.dir, port: 0, ...quiet });
    assert.ok(existsSync(join(t.dir, '.lock')));
    assert.match(readFileSync(join(t.dir, '.lock'), 'utf8'), new RegExp(`^${process.pid} `));
    await assert.rejects(startBroker({ dataDir: t.dir, port: 0, ...quiet }), (e: Error) => e instanceof DirLockedError && /in use/.test(e.message));
    await first.stop();
    assert.ok(!existsSync(join(t.dir, '.lock')), 'a clean stop releases the lock');
    const again = await startBroker({ dataDir: t.dir, port: 0, ...quiet });
    await again.stop();
  } finally {
    t.remove();
  }
});

test('a lock left by a process that is gone is taken over', { timeout: 30_000 }, async () => {
  const t = tempDir('samsa-lock-');
  try {
    // No Linux process can have pid 2^22 + 1 (pid_max is at most 2^22): this owner is certainly gone.
    writeFileSync(join(t.dir, '.lock'), '4194305 12345\n');
    const broker = await startBroker({ dataDir: t.dir, port: 0, ...quiet });
    assert.match(readFileSync(join(t.dir, '.lock'), 'utf8'), new RegExp(`^${process.pid} `));
    await broker.stop();
  } finally {
    t.remove();
  }
});
