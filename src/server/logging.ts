/**
 * A node's log: one line per event with its time, level, logger name and
 * message, human-readable (`2026-12-08T01:40:00.123Z INFO  [samsa.raft] …`)
 * or one JSON object per line (`--log-format json`). Every part of the node
 * logs through a named logger; levels are set for the root (`log.level`)
 * and per logger, and changed at runtime through Kafka's BROKER_LOGGER
 * configs (`samsa configs --entity-type broker-loggers`), as log4j levels
 * are in Kafka. The lower layers only see a `(line, level?) => void`
 * callback; a line without a level is INFO.
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'human' | 'json';

/** What the lower layers are given: a message, and its level when not INFO. */
export type LogFn = (line: string, level?: LogLevel) => void;

/** log4j's level names (Kafka's BROKER_LOGGER values) → ours; FATAL is ERROR, OFF silences. */
const LEVEL_NAMES: Readonly<Record<string, LogLevel | 'off'>> = {
  ALL: 'trace', TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error', FATAL: 'error', OFF: 'off',
};
const RANK: Readonly<Record<LogLevel | 'off', number>> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };

export const ROOT_LOGGER = 'root';

/** The loggers a node has, so they can be listed and set before they first log (Kafka lists its log4j loggers). */
export const NODE_LOGGERS = [
  'samsa.broker', 'samsa.console', 'samsa.controller', 'samsa.coordinator', 'samsa.metrics', 'samsa.network', 'samsa.raft', 'samsa.security', 'samsa.storage',
] as const;

/** A level name as Kafka's tools write it (case-insensitive), or null when it is not one. */
export function parseLogLevel(name: string): LogLevel | 'off' | null {
  return LEVEL_NAMES[name.trim().toUpperCase()] ?? null;
}

export function levelName(level: LogLevel | 'off'): string {
  return level === 'off' ? 'OFF' : level.toUpperCase();
}

/** One event as a sink receives it. */
export interface LogRecord {
  readonly time: Date;
  readonly level: LogLevel;
  readonly logger: string;
  readonly message: string;
}

export interface LoggingOptions {
  /** Where lines go: `text` rendered in `format` (without the newline), and the record it was made from. */
  out: (text: string, record: LogRecord) => void;
  format?: LogFormat;
  /** The root level: lines below it are dropped. Default info. */
  level?: LogLevel | 'off';
  /** Added to every JSON line (e.g. the node id). */
  fields?: Readonly<Record<string, string | number>>;
}

export class NodeLogging {
  private readonly out: (text: string, record: LogRecord) => void;
  private readonly format: LogFormat;
  private readonly fields: Readonly<Record<string, string | number>>;
  private rootLevel: LogLevel | 'off';
  /** Levels set on loggers by name; a logger without one follows its nearest named parent, then the root. */
  private readonly levels = new Map<string, LogLevel | 'off'>();
  private readonly known = new Set<string>(NODE_LOGGERS);

  constructor(options: LoggingOptions) {
    this.out = options.out;
    this.format = options.format ?? 'human';
    this.rootLevel = options.level ?? 'info';
    this.fields = options.fields ?? {};
  }

  /** The logging function of one named part of the node. */
  logger(name: string): LogFn {
    this.known.add(name);
    return (line, level = 'info') => {
      if (RANK[level] < RANK[this.effectiveLevel(name)]) return;
      const record: LogRecord = { time: new Date(), level, logger: name, message: line };
      this.out(this.render(record), record);
    };
  }

  effectiveLevel(name: string): LogLevel | 'off' {
    for (let n = name; ; n = n.slice(0, n.lastIndexOf('.'))) {
      const set = this.levels.get(n);
      if (set !== undefined) return set;
      if (!n.includes('.')) return this.rootLevel;
    }
  }

  /** Every logger with its effective level, the root first (DescribeConfigs on BROKER_LOGGER). */
  describe(): { name: string; level: string }[] {
    return [
      { name: ROOT_LOGGER, level: levelName(this.rootLevel) },
      ...[...this.known].sort().map((name) => ({ name, level: levelName(this.effectiveLevel(name)) })),
    ];
  }

  /** Sets a logger's level (null: it follows its parent again; the root goes back to INFO). An error message when the logger is unknown. */
  setLevel(name: string, level: LogLevel | 'off' | null): string | null {
    if (name === ROOT_LOGGER) {
      this.rootLevel = level ?? 'info';
      return null;
    }
    if (!this.known.has(name)) return `Logger ${name} does not exist!`;
    if (level === null) this.levels.delete(name);
    else this.levels.set(name, level);
    return null;
  }

  private render(r: LogRecord): string {
    const time = r.time.toISOString();
    const level = r.level.toUpperCase();
    if (this.format === 'json') return JSON.stringify({ time, level, logger: r.logger, message: r.message, ...this.fields });
    return `${time} ${level.padEnd(5)} [${r.logger}] ${r.message}`;
  }
}
