/**
 * Where a `samsa` command reads, writes and leaves its exit code. A run as a
 * process uses the process's own (stdin, stdout, stderr, `process.exitCode`,
 * SIGINT/SIGTERM); a run in-process (`runCli` in main.ts, used by the tests)
 * gets an `Io` of its own, scoped with AsyncLocalStorage to that run, so
 * concurrent runs never mix their output and nothing is left behind between
 * them. Commands never touch `console` or `process.std*` directly: they ask
 * `io()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a command writes text to: process.stdout and process.stderr fit it as they are. */
export interface TextOut {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export type TextIn = NodeJS.ReadableStream & { readonly isTTY?: boolean };

export interface Io {
  readonly stdin: TextIn;
  readonly stdout: TextOut;
  readonly stderr: TextOut;
  /** One line on stdout, the newline added (console.log for the process). */
  out(line: string): void;
  /** One line on stderr, the newline added (console.error for the process). */
  err(line: string): void;
  /** The run's exit code so far; undefined is success. */
  exitCode: number | undefined;
  /** Calls `stop` on Ctrl-C or SIGTERM (the process; never in-process); returns the release. */
  onStop(stop: () => void): () => void;
}

/** The process's own: byte for byte what the command printed before this seam existed. */
const PROCESS_IO: Io = {
  // Getters: process.stdin is created on first use, and only `samsa produce` reads it.
  get stdin() { return process.stdin; },
  get stdout() { return process.stdout; },
  get stderr() { return process.stderr; },
  out(line) { console.log(line); },
  err(line) { console.error(line); },
  get exitCode() { return typeof process.exitCode === 'number' ? process.exitCode : undefined; },
  set exitCode(code) { process.exitCode = code; },
  onStop(stop) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    };
  },
};

const scoped = new AsyncLocalStorage<Io>();

/** The current run's I/O: the in-process run's when inside one, else the process's. */
export function io(): Io {
  return scoped.getStore() ?? PROCESS_IO;
}

/** Runs `body` with `target` as `io()` for everything it starts, however long its callbacks live. */
export function withIo<T>(target: Io, body: () => Promise<T>): Promise<T> {
  return scoped.run(target, body);
}

/** Text written in-process, kept whole; never asks the writer to wait for 'drain'. */
class CapturedText implements TextOut {
  text = '';
  readonly isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  once(): this {
    return this;
  }
}

/**
 * An in-process run's I/O: stdin from the caller, stdout and stderr kept as
 * text. Nothing stops it but its own end: a command that runs until Ctrl-C is
 * tested as a process.
 */
export class CapturedIo implements Io {
  readonly stdin: TextIn;
  readonly stdout = new CapturedText();
  readonly stderr = new CapturedText();
  exitCode: number | undefined = undefined;

  constructor(stdin: TextIn) {
    this.stdin = stdin;
  }

  out(line: string): void {
    this.stdout.write(`${line}\n`);
  }

  err(line: string): void {
    this.stderr.write(`${line}\n`);
  }

  onStop(): () => void {
    return () => {};
  }
}
