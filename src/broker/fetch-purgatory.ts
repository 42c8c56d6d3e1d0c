/**
 * Fetches that asked to wait for data (fetch.min.bytes / fetch.max.wait.ms)
 * park here until an append moves the high watermark of one of their
 * partitions, or their time runs out. Nothing polls: an append wakes exactly
 * the fetches watching that partition.
 */
import type { Partition } from './partition.ts';
import type { ReplicaManager } from './replica-manager.ts';

/** A fetch never waits longer than this, whatever it asks. */
const FETCH_WAIT_MS_MAX = 5 * 60 * 1000;

interface Waiter {
  wake(): void;
}

export class FetchPurgatory {
  private readonly watching = new Map<Partition, Set<Waiter>>();
  private waiterCount = 0;

  constructor(replicas: ReplicaManager) {
    replicas.onAppend((p) => this.wakePartition(p));
  }

  get size(): number {
    return this.waiterCount;
  }

  /** Resolves true when one of the partitions got data, false when `waitMs` ran out first. */
  wait(partitions: readonly Partition[], waitMs: number): Promise<boolean> {
    if (waitMs <= 0 || partitions.length === 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      let done = false;
      const finish = (woken: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const p of partitions) {
          const set = this.watching.get(p);
          set?.delete(waiter);
          if (set?.size === 0) this.watching.delete(p);
        }
        this.waiterCount--;
        resolve(woken);
      };
      const waiter: Waiter = { wake: () => finish(true) };
      const timer = setTimeout(() => finish(false), Math.min(waitMs, FETCH_WAIT_MS_MAX));
      this.waiterCount++;
      for (const p of partitions) {
        let set = this.watching.get(p);
        if (set === undefined) this.watching.set(p, (set = new Set()));
        set.add(waiter);
      }
    });
  }

  private wakePartition(partition: Partition): void {
    const set = this.watching.get(partition);
    if (set === undefined) return;
    for (const w of [...set]) w.wake();
  }

  /** Wakes every waiting fetch, e.g. on shutdown. */
  wakeAll(): void {
    for (const set of [...this.watching.values()]) for (const w of [...set]) w.wake();
  }
}
