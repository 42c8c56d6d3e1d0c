/**
 * Runs the `samsa` command for a test. `samsa` runs it in this process
 * (src/cli/main.ts `runCli`, with its own stdin, stdout, stderr and exit
 * code): for tests of what a command does and prints. `samsaProcess` runs it
 * as a real child process (async, so an in-process broker keeps answering):
 * for tests of the process itself — signals, a terminal, exiting on time.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const CLI_TIMEOUT_MS = 20_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** What the command reads on stdin; none (as from /dev/null) when not given. */
  stdin?: string;
}

/** `samsa args` in-process: the exit code, stdout and stderr the process would have had. */
export async function samsa(args: string[], options: CliOptions = {}): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`samsa ${args.join(' ')} did not finish in ${CLI_TIMEOUT_MS} ms`)), CLI_TIMEOUT_MS);
  });
  try {
    return await Promise.race([runCli(args, { stdin: options.stdin }), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `samsa args` as a child process (`node src/cli/main.ts`), killed after 20 s (code null). */
export function samsaProcess(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    if (options.stdin !== undefined) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.stdin);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Asserts-friendly view of a failure: one line on stderr, no stack trace. */
export function isOneLineError(r: CliResult): boolean {
  const lines = r.stderr.trim().split('\n');
  return r.code !== 0 && lines.length === 1 && lines[0]!.startsWith('samsa: ') && !r.stderr.includes('    at ');
}
