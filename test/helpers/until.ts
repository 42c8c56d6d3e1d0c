/**
 * The one wait of the tests: polls `check` until it returns something other
 * than null/undefined/false, bounded both in time and in attempts. A check
 * that throws counts as not yet; its last error is reported. Tests wait on a
 * condition with this, never on a fixed sleep.
 */
export interface UntilOptions {
  /** Default 20 s. */
  timeoutMs?: number;
  /** Default 50 ms. */
  intervalMs?: number;
  /** Appended to the timeout error: whatever explains it (node logs, client events). */
  context?: () => string;
}

const POLL_COUNT_MAX = 100_000;

export async function until<T>(
  what: string,
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  options: UntilOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (let attempt = 0; attempt < POLL_COUNT_MAX; attempt++) {
    try {
      const value = await check();
      if (value !== null && value !== undefined && value !== false) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const cause = lastError === null ? '' : `: ${(lastError as Error).message}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}${options.context ? `\n${options.context()}` : ''}`);
}
