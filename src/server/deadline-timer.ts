/**
 * One scheduler timer for a component that keeps its own deadlines (the
 * coordinators): armed for its earliest deadline, re-armed whenever its
 * deadlines change, and its `tick` run when one comes.
 */
import type { Scheduler } from './scheduler.ts';

export interface DeadlineDriven {
  nextDeadlineMs(): number | null;
  tick(nowMs: number): void;
  onDeadlinesChanged(listener: () => void): void;
}

/** Starts driving `target`; the returned function stops it. */
export function driveDeadlines(name: string, target: DeadlineDriven, scheduler: Scheduler): () => void {
  const clock = scheduler.clock;
  let cancel: (() => void) | null = null;
  let armedForMs: number | null = null;
  let stopped = false;
  const arm = (): void => {
    if (stopped) return;
    const next = target.nextDeadlineMs();
    if (cancel !== null && next === armedForMs) return;
    cancel?.();
    cancel = null;
    armedForMs = next;
    if (next === null) return;
    cancel = scheduler.after(name, next - clock.nowMs(), () => {
      cancel = null;
      armedForMs = null;
      try {
        target.tick(clock.nowMs());
      } finally {
        arm();
      }
    });
  };
  target.onDeadlinesChanged(arm);
  arm();
  return () => {
    stopped = true;
    cancel?.();
  };
}
