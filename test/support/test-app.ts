import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import type { Clock } from '../../src/common/clock';
import { loadConfig } from '../../src/config/app-config';
import { createLogger } from '../../src/logging/logger';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** Where the suite runs: in-memory PGlite, or a fresh database on the server DATABASE_URL names. */
export const DATABASE = process.env.DATABASE_URL ? 'postgres' : 'pglite';

export interface TestApp {
  app: NestFastifyApplication;
  /** supertest against the in-process server */
  http: () => request.Agent;
  /** Every log line the app wrote, as text. */
  logs: string[];
  /** The base URL of the app listening on 127.0.0.1 (started on first call), for clients that speak real HTTP. */
  url(): Promise<string>;
  /** Creates an API key through the API and returns its token. */
  key(name: string, roles: string[], options?: { canActFor?: boolean }): Promise<string>;
  close(): Promise<void>;
  databaseUrl: string | null;
}

/** A fresh, empty database for one test file on the PostgreSQL server of DATABASE_URL. */
export async function freshPostgresDatabase(baseUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * Starts the whole app in-process. `sharedDatabaseUrl` makes a second app on the database of a first one
 * (two service processes on one PostgreSQL); it is neither created nor dropped here.
 */
export async function startTestApp(options: { env?: Record<string, string>; clock?: Clock; sharedDatabaseUrl?: string } = {}): Promise<TestApp> {
  const pg = options.sharedDatabaseUrl
    ? { url: options.sharedDatabaseUrl, drop: async () => {} }
    : process.env.DATABASE_URL
      ? await freshPostgresDatabase(process.env.DATABASE_URL)
      : null;
  const config = loadConfig({
    DATA_DIR: ':memory:',
    ADMIN_TOKEN,
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '0',
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    ...options.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const app = await createApp({ config, logger, clock: options.clock });
  await app.getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer();
  const http = () => request.agent(server);
  let listening: Promise<string> | undefined;
  return {
    app,
    http,
    logs,
    databaseUrl: pg?.url ?? null,
    async url() {
      listening ??= app.listen(0, '127.0.0.1').then(() => {
        const address = app.getHttpServer().address();
        if (!address || typeof address === 'string') throw new Error('the app is not listening on a TCP port');
        return `http://127.0.0.1:${address.port}`;
      });
      return listening;
    },
    async key(name, roles, opts = {}) {
      const res = await http()
        .post('/v1/api-keys')
        .set('authorization', `Bearer ${ADMIN_TOKEN}`)
        .send({ name, roles, ...(opts.canActFor ? { canActFor: true } : {}) });
      if (res.status !== 201) throw new Error(`could not create key ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    },
    async close() {
      await app.close();
      await pg?.drop();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
