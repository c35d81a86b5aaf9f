import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseService } from '../src/database/database.service';
import { ShutdownState } from '../src/health/shutdown-state';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// The foundation of ../shared/API.md "Conventions" and "Operations": health, readiness, problem+json, request ids.
describe(`foundation (${DATABASE})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /healthz answers 200 without a token', async () => {
    const res = await t.http().get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 once the database is reachable and migrated', async () => {
    const res = await t.http().get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', database: DATABASE });
  });

  it('an unknown route is a problem+json 404 with a code', async () => {
    const res = await t.http().get('/v1/nope').set(bearer(ADMIN_TOKEN));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 404, code: 'NOT_FOUND', title: 'Not Found' });
    expect(typeof res.body.type).toBe('string');
    expect(typeof res.body.detail).toBe('string');
  });

  it('echoes a given X-Request-Id and makes one otherwise', async () => {
    const given = await t.http().get('/healthz').set('x-request-id', 'req-abc.123');
    expect(given.headers['x-request-id']).toBe('req-abc.123');
    const made = await t.http().get('/healthz');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const problem = await t.http().get('/v1/clusters').set('x-request-id', 'req-for-problem');
    expect(problem.body.requestId).toBe('req-for-problem');
  });

  it('malformed JSON is 400 BAD_REQUEST, never a 500', async () => {
    const res = await t.http().post('/v1/clusters').set(bearer(ADMIN_TOKEN)).set('content-type', 'application/json').send('{"name": ');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
  });

  it('a body that is not JSON is 415', async () => {
    const res = await t.http().post('/v1/clusters').set(bearer(ADMIN_TOKEN)).set('content-type', 'text/plain').send('name=x');
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a body over 1 MiB is 413', async () => {
    const res = await t
      .http()
      .post('/v1/validate')
      .set(bearer(ADMIN_TOKEN))
      .set('content-type', 'application/json')
      .send(JSON.stringify({ httpProxy: 'http://p:1/', noProxy: ['x'.repeat(1024 * 1024)] }));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('writes structured JSON logs with the request id', async () => {
    await t.http().get('/v1/clusters').set(bearer(ADMIN_TOKEN)).set('x-request-id', 'log-check-1');
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.reqId === 'log-check-1');
    expect(line).toMatchObject({ level: 'info', method: 'GET', route: '/v1/clusters', status: 200 });
  });

  it('the database itself refuses UPDATE, DELETE and TRUNCATE of audit events', async () => {
    await t.http().post('/v1/clusters').set(bearer(ADMIN_TOKEN)).send({ name: 'audited', resourceGroup: 'rg' }).expect(201);
    const prisma = t.app.get(DatabaseService).prisma;
    expect(await prisma.auditEvent.count()).toBeGreaterThan(0);
    await expect(prisma.$executeRawUnsafe(`UPDATE audit_events SET actor = 'mallory'`)).rejects.toThrow(/append-only/);
    await expect(prisma.$executeRawUnsafe(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await expect(prisma.$executeRawUnsafe(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    expect(await prisma.auditEvent.count()).toBeGreaterThan(0);
  });

  it('records every migration in _prisma_migrations like prisma migrate deploy', async () => {
    const prisma = t.app.get(DatabaseService).prisma;
    const rows = await prisma.$queryRawUnsafe<{ migration_name: string; finished_at: Date | null }[]>(
      'SELECT migration_name, finished_at FROM _prisma_migrations',
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });

  it('serves the committed openapi/openapi.json at /openapi.json, and Swagger UI at /docs', async () => {
    const served = await t.http().get('/openapi.json');
    expect(served.status).toBe(200);
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'openapi', 'openapi.json'), 'utf8'));
    expect(served.body).toEqual(committed);
    expect(Object.keys(served.body.paths)).toEqual(expect.arrayContaining(['/v1/validate', '/v1/clusters/{name}/configs/{v}/render', '/v1/audit/verify']));
    expect(served.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const docs = await t.http().get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui');
  });

  // Last: draining is one way. SIGTERM drains first (main.ts), then closes; scripts/smoke-start.sh covers the signal.
  it('while draining for shutdown, /readyz is 503 and every answer says Connection: close, but requests are still served', async () => {
    expect((await t.http().get('/readyz')).status).toBe(200);
    t.app.get(ShutdownState).beginDrain();
    const ready = await t.http().get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', reason: 'shutting down' });
    const served = await t.http().get('/v1/clusters').set(bearer(ADMIN_TOKEN));
    expect(served.status).toBe(200);
    expect(served.headers.connection).toBe('close');
  });
});
