/**
 * The send loop of the producer test tools (perf produce, verifiable
 * producer): records numbered from 0, no faster than a target rate, with a
 * bound on what is sent and not yet answered.
 */
import { CliError, EXIT_USAGE } from './common.ts';

/** --throughput: records/s, or -1 (any negative) for no limit, as Kafka's tools take it. */
export function parseThroughput(text: string): number {
  const perSecond = Number(text);
  if (!Number.isFinite(perSecond) || perSecond === 0) throw new CliError(`invalid --throughput '${text}': records/s, or -1 for no limit`, EXIT_USAGE);
  return perSecond;
}

/**
 * Calls `send(i)` for i = 0, 1, … while `more(i)`, paced to `perSecond`
 * when it is positive, keeping at most `outstandingMax` sends unanswered;
 * resolves once every send has. `send` must not reject (it reports its own failures).
 */
export async function sendPaced(perSecond: number, more: (i: number) => boolean, send: (i: number) => Promise<void>, outstandingMax: number): Promise<void> {
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; more(i); i++) {
    if (perSecond > 0) {
      const wait = started + (i / perSecond) * 1000 - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    pending.push(send(i));
    if (pending.length >= outstandingMax) await Promise.all(pending.splice(0, outstandingMax / 2));
  }
  await Promise.all(pending);
}
