import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// ../shared/API.md "API keys": DELETE /v1/api-keys/{id} revokes at once, in every service process. Keys are cached
// per process; a revocation reaches the other processes on the same PostgreSQL through NOTIFY.
describe(`revocation at once, across processes (${DATABASE})`, () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp();
    b = a.databaseUrl ? await startTestApp({ sharedDatabaseUrl: a.databaseUrl }) : a;
  });
  afterAll(async () => {
    if (b !== a) await b?.close();
    await a?.close();
  });

  it('a key used (and cached) on one process is refused on it right after another process revokes it', async () => {
    const created = await a.http().post('/v1/api-keys').set(bearer(ADMIN_TOKEN)).send({ name: 'soon-revoked', roles: ['reader'] });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    for (let i = 0; i < 3; i++) expect((await b.http().get('/v1/clusters').set(bearer(token))).status).toBe(200);

    expect((await a.http().delete(`/v1/api-keys/${created.body.id}`).set(bearer(ADMIN_TOKEN))).status).toBe(200);
    expect((await a.http().get('/v1/clusters').set(bearer(token))).status).toBe(401);

    // The other process hears of it through NOTIFY, delivered at commit: give it a moment, never more than 2 s.
    const deadline = Date.now() + 2_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await b.http().get('/v1/clusters').set(bearer(token))).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
  });
});
