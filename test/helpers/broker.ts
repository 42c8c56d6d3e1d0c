/** Starts a real Samsa broker in this process on a free port with a temp data dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../src/index.ts';

export interface TestBroker extends RunningBroker {
  /** Lines the broker logged, for assertions. */
  readonly logLines: string[];
}

export async function startTestBroker(config: Record<string, string> = {}, dataDir?: string): Promise<TestBroker> {
  const logLines: string[] = [];
  const broker = await startBroker({ port: 0, dataDir, config, log: (line) => logLines.push(line) });
  return Object.assign(broker, { logLines });
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix = 'samsa-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The port of one of a broker's listeners, by name (PLAINTEXT, SASL_SSL, …); fails the test when it has none. */
export function listenerPort(b: RunningBroker, name: string): number {
  const l = b.listeners.find((x) => x.name === name);
  if (l === undefined) throw new Error(`the broker has no listener ${name}`);
  return l.port;
}
