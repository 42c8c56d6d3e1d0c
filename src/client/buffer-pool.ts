/**
 * The producer's buffer.memory (Java's BufferPool, counting bytes rather
 * than pooling them): records accepted and not yet acknowledged may take at
 * most `total` bytes; past that, sends wait in line, first come first
 * served, until acknowledgements give memory back.
 */
interface Waiter {
  bytes: number;
  resolve(): void;
}

export class BufferPool {
  private readonly total: number;
  private usedBytes = 0;
  private readonly waiters: Waiter[] = [];

  constructor(total: number) {
    this.total = total;
  }

  get used(): number {
    return this.usedBytes;
  }

  /** Sends waiting for memory. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Takes `bytes` now if nobody waits and they fit; false otherwise. */
  tryReserve(bytes: number): boolean {
    if (this.waiters.length > 0 || this.usedBytes + bytes > this.total) return false;
    this.usedBytes += bytes;
    return true;
  }

  /** Takes `bytes`, waiting in line when full; `onFull` runs first then, to let the owner free memory sooner. */
  reserve(bytes: number, onFull: () => void): Promise<void> {
    if (this.tryReserve(bytes)) return Promise.resolve();
    onFull();
    return new Promise((resolve) => this.waiters.push({ bytes, resolve }));
  }

  release(bytes: number): void {
    this.usedBytes -= bytes;
    while (this.waiters.length > 0 && this.usedBytes + this.waiters[0]!.bytes <= this.total) {
      const w = this.waiters.shift()!;
      this.usedBytes += w.bytes;
      w.resolve();
    }
  }
}
