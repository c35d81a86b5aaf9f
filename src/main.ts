// First, before the modules it speeds up are loaded.
import './compile-cache';
import { ConfigError, loadConfig } from './config/app-config';
import { createApp } from './app.factory';
import { DataDirLockedError } from './database/data-dir-lock';
import { WebhookKeyError } from './webhooks/secret-box';
import { ShutdownState } from './health/shutdown-state';
import { createLogger } from './logging/logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const started = process.hrtime.bigint();
  try {
    const app = await createApp({ config, logger });
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (err) {
      // The address cannot be had: say which variable to fix, and close the database (and its lock) first.
      const code = (err as NodeJS.ErrnoException).code;
      const problem =
        code === 'EADDRINUSE'
          ? `PORT ${config.port} is already in use on ${config.host}; stop what listens there or set another PORT.`
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL'
            ? `HOST ${config.host} is not an address of this machine (${code}); set HOST to one, e.g. 0.0.0.0 or 127.0.0.1.`
            : null;
      if (!problem) throw err;
      await app.close().catch(() => undefined);
      process.stderr.write(`${problem}\n`);
      logger.fatal(problem);
      process.exit(2);
    }
    // Graceful shutdown: drain (readyz 503, Connection: close, requests already sent are still answered), then stop
    // accepting, let in-flight requests finish, close the database, exit 0. The drain counts against the timeout.
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      const drainMs = Math.min(config.shutdownDrainMs, Math.floor(config.shutdownTimeoutMs / 2));
      logger.info({ signal, drainMs }, 'shutting down');
      app.get(ShutdownState).beginDrain();
      const force = setTimeout(() => {
        logger.error('shutdown timed out; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs);
      force.unref();
      new Promise((resolve) => setTimeout(resolve, drainMs))
        .then(() => app.close())
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((err: unknown) => {
          logger.error({ err }, 'error while shutting down');
          process.exit(1);
        });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    logger.info(
      { port: config.port, host: config.host, storage: config.storage.kind, dataDir: config.storage.kind === 'pglite' ? config.storage.dataDir : undefined, startupMs: Math.round(ms) },
      `listening on http://${config.host}:${config.port}`,
    );
  } catch (err) {
    if (err instanceof WebhookKeyError) {
      // The stored webhook secrets cannot be read with this key: refuse to start (it could never sign).
      process.stderr.write(`${err.message}\n`);
      logger.fatal(err.message);
      process.exit(2);
    }
    if (err instanceof DataDirLockedError) {
      process.stderr.write(`${err.message}\n`);
      logger.fatal(err.message);
      process.exit(3);
    }
    logger.fatal({ err }, 'start-up failed');
    process.exit(1);
  }
}

void main();
