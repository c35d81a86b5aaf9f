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

/**
 * stdout without a write system call per line: lines written while one write is in flight go out together with the
 * next (no size threshold, so nothing waits for more lines), and whatever is pending is flushed synchronously when
 * the process exits (process.exit included), so an exit never drops the last lines.
 */
function stdout(): pino.DestinationStream {
  const dest = pino.destination({ dest: 1, sync: false, minLength: 0 });
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
