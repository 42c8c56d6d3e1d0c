/**
 * A `.lock` file in each log directory, held for the life of the process,
 * as Kafka holds one: a second process pointed at the same directory is
 * refused instead of writing into logs another process has open. Node has
 * no portable advisory lock, so the file names its owner (pid and the
 * process's start time from /proc, which tells a live owner from a recycled
 * pid); a lock whose owner is gone — after kill -9 — is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = '.lock';
/** Bounded: one takeover of a stale lock, then give up. */
const ATTEMPTS_MAX = 3;
/** Locks this process holds: an embedded broker on a directory another in-process broker uses is refused too. */
const heldHere = new Set<string>();

export class DirLockedError extends Error {
  readonly code = 'SAMSA_ERR_DIR_LOCKED';
}

export interface DirLock {
  release(): void;
}

/** This process's identity as its lock files record it. */
function ownerLine(pid: number): string {
  return `${pid} ${startTimeOf(pid) ?? '-'}\n`;
}

/** The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or null when unknown. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number, startTime: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTimeOf(pid);
  return startTime === '-' || now === null || now === startTime;
}

/** Takes the lock of every directory, or throws DirLockedError naming the one held by another live process. */
export function lockDirs(dirs: readonly string[]): DirLock {
  const held: DirLock[] = [];
  try {
    for (const dir of new Set(dirs)) held.push(lockDir(dir));
  } catch (e) {
    for (const l of held) l.release();
    throw e;
  }
  return { release: () => held.forEach((l) => l.release()) };
}

function lockDir(dir: string): DirLock {
  const path = join(dir, LOCK_FILE);
  const mine = ownerLine(process.pid);
  if (heldHere.has(path)) throw new DirLockedError(`${dir} is in use by another broker in this process; stop it or choose another data directory`);
  for (let attempt = 0; attempt < ATTEMPTS_MAX; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, mine);
      closeSync(fd);
      heldHere.add(path);
      return {
        release: () => {
          heldHere.delete(path);
          releaseIfMine(path, mine);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const [pidText, startTime] = readOwner(path);
    const pid = Number(pidText);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid, startTime ?? '-')) {
      throw new DirLockedError(`${dir} is in use by another Samsa process (pid ${pid}, per ${path}); stop it or choose another --data-dir`);
    }
    // The owner is gone (or it is this process, whose earlier broker there is gone): take it over.
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  throw new DirLockedError(`could not take the lock ${path}: another process keeps taking it`);
}

function readOwner(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').trim().split(' ');
  } catch {
    return [];
  }
}

function releaseIfMine(path: string, mine: string): void {
  try {
    if (readFileSync(path, 'utf8') === mine) unlinkSync(path);
  } catch {
    // Already gone: nothing to release.
  }
}
