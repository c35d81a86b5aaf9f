import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/app-config';

/**
 * Paths pino removes from every log line: credentials and certificate bodies never reach the logs.
 * Request bodies are not logged at all.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.token',
  '*.trustedCa',
  '*.password',
];

/** Log lines are held back until this many characters are pending... */
export const LOG_BATCH_CHARS = 16 * 1024;
/** ...or until the first of them has waited this long. */
export const LOG_BATCH_MS = 50;

/**
 * A destination that hands lines to `dest` in batches: at LOG_BATCH_CHARS pending characters or LOG_BATCH_MS after
 * the first pending line, whichever comes first. Under load a write (an fs.write on the thread pool, which wakes a
 * thread) carries tens of lines instead of one or two; an idle service writes a line within LOG_BATCH_MS.
 * `flushSync` hands over what is pending and writes everything out synchronously (process exit).
 */
export class BatchedDestination implements pino.DestinationStream {
  private pending = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dest: { write(chunk: string): unknown; flushSync?(): void },
    private readonly maxChars = LOG_BATCH_CHARS,
    private readonly maxMs = LOG_BATCH_MS,
  ) {}

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= this.maxChars) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(this.flush, this.maxMs);
      // Exiting is not held up by a pending line: the exit handler writes it (flushSync).
      this.timer.unref();
    }
  }

  /** Hands the pending lines to the destination (asynchronously written). */
  readonly flush = (): void => {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending === '') return;
    const out = this.pending;
    this.pending = '';
    this.dest.write(out);
  };

  flushSync(): void {
    this.flush();
    this.dest.flushSync?.();
  }
}

/**
 * stdout in batches (BatchedDestination) over sonic-boom, which writes asynchronously and, while one write is in
 * flight, joins what comes next into the following one. Whatever is pending is flushed synchronously when the process
 * exits (process.exit included), so an exit never drops the last lines.
 */
function stdout(): pino.DestinationStream {
  const dest = new BatchedDestination(pino.destination({ dest: 1, sync: false, minLength: 0 }));
  process.on('exit', () => {
    try {
      dest.flushSync();
    } catch {
      // nothing more to do on the way out
    }
  });
  return dest;
}

export function createLogger(level: LogLevel, destination: pino.DestinationStream = stdout()): Logger {
  return pino(
    {
      level,
      base: { service: 'aks-proxy-config' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** The fields of the request log line (one per request, written by the onResponse hook of app.factory.ts). */
export interface RequestLogFields {
  reqId: string;
  method: string;
  route: string;
  url: string;
  status: number;
  ms: number;
  actor?: string;
  via?: string;
  code?: string;
}

/**
 * Writes the request log line exactly as `logger.info(fields, 'request')` would (same fields, order and format: the
 * logger's level label, ISO time, base bindings, then the fields, then `msg`), without pino's per-call work: the
 * fields are flat strings and numbers, none of which the redaction paths can name, so JSON.stringify is the line.
 * Honours the logger's level.
 */
export function requestLogWriter(logger: Logger): (fields: RequestLogFields) => void {
  const stream = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  const bindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
  const info = logger.levels.values.info;
  // The ISO time of the current millisecond, made once per millisecond (several requests end in one under load).
  let at = 0;
  let time = '';
  return (fields) => {
    if (logger.levelVal > info) return;
    const now = Date.now();
    if (now !== at) {
      at = now;
      time = new Date(now).toISOString();
    }
    const json = JSON.stringify(fields);
    stream.write(`{"level":"info","time":"${time}"${bindings},${json.slice(1, -1)},"msg":"request"}\n`);
  };
}

/**
 * Fastify's request logger (request.log, reply.log), made only when something logs through it: Fastify makes one per
 * request, which costs a pino child and its bindings, while this service logs requests in its own line and uses
 * request.log only on rare error paths.
 */
export class LazyChildLogger {
  private made: Logger | null = null;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: pino.Bindings,
    private readonly options: pino.ChildLoggerOptions,
  ) {}

  private get logger(): Logger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }
  get level(): string {
    return this.logger.level;
  }
  set level(level: string) {
    this.logger.level = level;
  }
  isLevelEnabled(level: string): boolean {
    return this.logger.isLevelEnabled(level);
  }
  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options);
  }
  fatal(...args: unknown[]): void {
    (this.logger.fatal as (...a: unknown[]) => void)(...args);
  }
  error(...args: unknown[]): void {
    (this.logger.error as (...a: unknown[]) => void)(...args);
  }
  warn(...args: unknown[]): void {
    (this.logger.warn as (...a: unknown[]) => void)(...args);
  }
  info(...args: unknown[]): void {
    (this.logger.info as (...a: unknown[]) => void)(...args);
  }
  debug(...args: unknown[]): void {
    (this.logger.debug as (...a: unknown[]) => void)(...args);
  }
  trace(...args: unknown[]): void {
    (this.logger.trace as (...a: unknown[]) => void)(...args);
  }
  silent(): void {}
}

/** Nest's logger interface over the same pino instance, so framework messages are JSON lines too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
  fatal(message: unknown, context?: string) {
    this.logger.fatal({ context }, String(message));
  }
}

export const LOGGER = Symbol('LOGGER');
