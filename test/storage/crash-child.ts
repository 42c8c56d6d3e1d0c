// Child process for the kill -9 test in recovery.test.ts: appends batches to
// the log in argv[2] and prints "acked <lastOffset>" after each append
// returns. The parent kills it with SIGKILL mid-stream. Not a test file.
import { join } from 'node:path';
import { LOG_CONFIG_DEFAULTS, PartitionLog } from '../../src/storage/index.ts';
import { makeBatch } from './helpers.ts';

const APPENDS_MAX = 1_000_000;
const dir = process.argv[2]!;
let now = 1_700_000_000_000;
const log = PartitionLog.open(join(dir, 'orders-0'), { topic: 'orders', partition: 0 }, { ...LOG_CONFIG_DEFAULTS, segmentBytes: 20_000, indexIntervalBytes: 500 }, { nowMs: () => now });
for (let b = 0; b < APPENDS_MAX; b++) {
  const { lastOffset } = log.append(makeBatch(b, 3, now, { valueBytes: 40 }), 1);
  now += 1;
  process.stdout.write(`acked ${lastOffset}\n`);
}
