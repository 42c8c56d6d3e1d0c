/**
 * `samsa start`: one broker+controller process. Config comes from a
 * server.properties file, then `--override key=value`, then the short flags;
 * without any, it listens on 127.0.0.1:9092 with data in ./data.
 */
import { readFileSync } from 'node:fs';
import { PropertiesSyntaxError, parseProperties } from '../metadata/index.ts';
import { startNode } from '../console/index.ts';
import { ConfigError, DirLockedError } from '../server/index.ts';
import { io } from './io.ts';

export interface StartFlags {
  config?: string;
  override: string[];
  port?: string;
  dataDir?: string;
  clusterId?: string;
  logFormat?: string;
}

export const EXIT_CONFIG = 2;
const DEFAULT_DATA_DIR = './data';
const PORT_MAX = 65535;

export class UsageError extends Error {
  readonly code = 'SAMSA_ERR_USAGE';
}

export function startProps(flags: StartFlags): { props: Record<string, string>; port?: number; dataDir?: string } {
  const props: Record<string, string> = {};
  if (flags.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.config, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read config file ${flags.config}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      Object.assign(props, parseProperties(text));
    } catch (e) {
      if (e instanceof PropertiesSyntaxError) throw new UsageError(`${flags.config}: ${e.message}`);
      throw e;
    }
  }
  for (const o of flags.override) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new UsageError(`--override expects key=value, got '${o}'`);
    props[o.slice(0, eq).trim()] = o.slice(eq + 1).trim();
  }
  let port: number | undefined;
  if (flags.port !== undefined) {
    port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > PORT_MAX) throw new UsageError(`--port expects 0-${PORT_MAX}, got '${flags.port}'`);
  }
  let dataDir = flags.dataDir;
  if (dataDir === undefined && props['log.dirs'] === undefined && props['log.dir'] === undefined) dataDir = DEFAULT_DATA_DIR;
  return { props, port, dataDir };
}

export async function runStart(flags: StartFlags): Promise<number> {
  let broker;
  try {
    const { props, port, dataDir } = startProps(flags);
    const logFormat = flags.logFormat ?? 'human';
    if (logFormat !== 'human' && logFormat !== 'json') throw new UsageError(`--log-format expects human or json, got '${logFormat}'`);
    broker = await startNode({ config: props, port, dataDir, clusterId: flags.clusterId, logFormat, logOutput: (line) => io().err(line) });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UsageError || e instanceof DirLockedError) {
      io().err(`samsa: ${e.message}`);
      return EXIT_CONFIG;
    }
    io().err(`samsa: cannot start: ${(e as Error).message}`);
    return 1;
  }
  // As Kafka's broker does, announce readiness only once registered, caught up and unfenced.
  await broker.ready;
  io().out(`samsa ready on ${broker.bootstrap} (node ${broker.nodeId}, cluster ${broker.clusterId}, data in ${broker.dataDir})`);
  // Released on the first signal: a second one while the node stops ends the process at once.
  await new Promise<void>((resolve) => {
    const release = io().onStop(() => {
      release();
      resolve();
    });
  });
  await broker.stop();
  io().err('samsa: stopped');
  return 0;
}
