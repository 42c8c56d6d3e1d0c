/**
 * KIP-599 on the client, as Java's Admin does it (retryOnQuotaViolation, on
 * by default): the topics a CreateTopics, DeleteTopics or CreatePartitions
 * request had refused with THROTTLING_QUOTA_EXCEEDED are sent again once the
 * response's throttle time has passed, until the admin timeout; then the
 * refusal stands.
 */
import { ErrorCode } from '../protocol/index.ts';

/** The shortest wait between attempts, in ms, when a response carries no throttle time. */
const QUOTA_RETRY_BACKOFF_MS = 100;
/** How long a call keeps sending refused topics again, in ms (the admin's timeout). */
const QUOTA_RETRY_TIMEOUT_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `send` answers each named topic's result and the response's throttle time; the last result of each topic is returned. */
export async function retryingOnQuotaViolation<T extends { errorCode: number }>(
  names: readonly string[], retry: boolean, send: (names: readonly string[]) => Promise<{ results: Map<string, T>; throttleTimeMs: number }>,
): Promise<Map<string, T>> {
  const deadlineMs = Date.now() + QUOTA_RETRY_TIMEOUT_MS;
  const out = new Map<string, T>();
  let pending = names;
  for (;;) {
    const { results, throttleTimeMs } = await send(pending);
    for (const [name, r] of results) out.set(name, r);
    pending = pending.filter((n) => results.get(n)?.errorCode === ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    const waitMs = Math.max(throttleTimeMs, QUOTA_RETRY_BACKOFF_MS);
    if (!retry || pending.length === 0 || Date.now() + waitMs > deadlineMs) return out;
    await sleep(waitMs);
  }
}
