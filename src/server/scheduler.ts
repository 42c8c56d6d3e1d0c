/**
 * Every periodic task of a process goes through one scheduler: it owns the
 * timers (unref'd, so they never keep the process alive), reads time from
 * the injected clock, clamps Kafka's "never" (Long.MAX) to what a timer can
 * take, and catches what a task throws or rejects with, so no background
 * failure can end the process. `stop()` ends them all at once.
 */
import type { Clock } from '../storage/index.ts';

/** Timers take at most 2^31-1 ms. */
export const TIMER_MS_MAX = 0x7fffffff;
/** No periodic task runs more often than this, whatever its config says. */
const PERIOD_MS_MIN = 10;

export interface Scheduler {
  readonly clock: Clock;
  /**
   * Runs `task` every `periodMs`. A throw or a rejection goes to `onError`
   * when given, else it is logged once per distinct message.
   */
  every(name: string, periodMs: number, task: () => unknown, onError?: (e: Error) => void): void;
  /** Runs `task` once after `delayMs`; returns a cancel function. */
  after(name: string, delayMs: number, task: () => unknown): () => void;
  stop(): void;
}

export function createScheduler(clock: Clock, log: (line: string, level?: 'warn' | 'error') => void): Scheduler {
  const timers = new Set<NodeJS.Timeout>();
  const lastFailure = new Map<string, string>();
  let stopped = false;
  const report = (name: string, onError: ((e: Error) => void) | undefined) => (e: unknown): void => {
    const error = e instanceof Error ? e : new Error(String(e));
    if (onError !== undefined) {
      try {
        onError(error);
        return;
      } catch {
        // Not one the handler takes: logged like any other.
      }
    }
    if (lastFailure.get(name) !== error.message) log(`${name} failed: ${error.message}`, 'error');
    lastFailure.set(name, error.message);
  };
  const run = (name: string, task: () => unknown, onError?: (e: Error) => void): void => {
    if (stopped) return;
    try {
      const result = task();
      if (result instanceof Promise) result.catch(report(name, onError));
    } catch (e) {
      report(name, onError)(e);
    }
  };
  return {
    clock,
    every(name, periodMs, task, onError) {
      if (stopped) return;
      const t = setInterval(() => run(name, task, onError), Math.min(Math.max(periodMs, PERIOD_MS_MIN), TIMER_MS_MAX));
      t.unref();
      timers.add(t);
    },
    after(name, delayMs, task) {
      if (stopped) return () => {};
      const t = setTimeout(() => {
        timers.delete(t);
        run(name, task);
      }, Math.min(Math.max(delayMs, 0), TIMER_MS_MAX));
      t.unref();
      timers.add(t);
      return () => {
        clearTimeout(t);
        timers.delete(t);
      };
    },
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
