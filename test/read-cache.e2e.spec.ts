import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// The read cache of cluster and version GETs (README "Read cache"): the process that handled a write never answers
// with the state before it once the write's response is sent; another process on the same PostgreSQL catches up when
// the NOTIFY of the change reaches it. Conditional GETs (If-None-Match) answer 304 while the ETag is current.
describe(`read cache of cluster and version GETs (${DATABASE})`, () => {
  let a: TestApp;
  let b: TestApp | null = null; // a second "service process" on the same PostgreSQL database
  let submitter: string;
  let approver: string;
  let approver2: string;
  let reader: string;

  beforeAll(async () => {
    a = await startTestApp();
    if (a.databaseUrl) b = await startTestApp({ sharedDatabaseUrl: a.databaseUrl });
    submitter = await a.key('sub', ['submitter', 'reader']);
    approver = await a.key('appr', ['approver', 'reader']);
    approver2 = await a.key('appr2', ['approver', 'reader']);
    reader = await a.key('reader', ['reader']);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const submit = (app: TestApp, cluster: string, i: number) =>
    app.http().post(`/v1/clusters/${cluster}/configs`).set(bearer(submitter)).send({ config: { httpProxy: `http://proxy-${i}.corp.example:3128` }, reason: `change ${i}` });
  const approve = (app: TestApp, cluster: string, v: number | string) =>
    app.http().post(`/v1/clusters/${cluster}/configs/${v}/decisions`).set(bearer(approver)).send({ decision: 'approve' });
  const get = (app: TestApp, path: string, etag?: string) => {
    const req = app.http().get(path).set(bearer(reader));
    return etag ? req.set('if-none-match', etag) : req;
  };

  it('never answers the state before an acknowledged write in the process that handled it', async () => {
    await a.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'fresh', resourceGroup: 'rg' }).expect(201);
    for (let i = 1; i <= 8; i++) {
      expect((await submit(a, 'fresh', i)).status).toBe(201);
      // Warm the cache with the pending state, several ways in.
      const pending = await get(a, `/v1/clusters/fresh/configs/${i}`).expect(200);
      expect(pending.body.status).toBe('pending');
      await get(a, '/v1/clusters/fresh/configs/latest').expect(200);
      await get(a, '/v1/clusters/fresh').expect(200);
      const pendingPage = await get(a, '/v1/clusters/fresh/configs?limit=2').expect(200);
      expect(pendingPage.body.items[0]).toMatchObject({ version: i, status: 'pending', decisions: [] });
      expect((await get(a, '/v1/clusters/fresh/configs?status=pending').expect(200)).body.items.map((v: { version: number }) => v.version)).toEqual([i]);
      // Reads racing the approval, and the approval itself: once its 201 is in, every GET shows it.
      const racing = Array.from({ length: 10 }, () => get(a, `/v1/clusters/fresh/configs/${i}`).then((r) => r.status));
      const approved = await approve(a, 'fresh', i);
      expect(approved.status).toBe(201);
      expect(approved.body.status).toBe('approved');
      for (const path of [`/v1/clusters/fresh/configs/${i}`, '/v1/clusters/fresh/configs/latest', '/v1/clusters/fresh/configs/current']) {
        const res = await get(a, path).expect(200);
        expect(res.body.status, path).toBe('approved');
        expect(res.body.version, path).toBe(i);
        expect(res.headers.etag).toBe(approved.headers.etag);
      }
      const cluster = await get(a, '/v1/clusters/fresh').expect(200);
      expect(cluster.body.currentVersion.version).toBe(i);
      expect(cluster.headers.etag).toBe(approved.headers.etag);
      expect(await Promise.all(racing)).toEqual(Array(10).fill(200));
      if (i > 1) expect((await get(a, `/v1/clusters/fresh/configs/${i - 1}`).expect(200)).body.status).toBe('superseded');
      // The history pages read before the approval are not answered again.
      const page = await get(a, '/v1/clusters/fresh/configs?limit=2').expect(200);
      expect(page.body.items[0]).toMatchObject({ version: i, status: 'approved' });
      expect(page.body.items[0].decisions).toHaveLength(1);
      if (i > 1) expect(page.body.items[1]).toMatchObject({ version: i - 1, status: 'superseded' });
      expect((await get(a, '/v1/clusters/fresh/configs?status=pending').expect(200)).body.items).toEqual([]);
      expect((await get(a, '/v1/clusters/fresh/configs?status=approved').expect(200)).body.items.map((v: { version: number }) => v.version)).toEqual([i]);
    }
    // A page behind a cursor: the same text while nothing changed, and the change once a write touched its version.
    const first = await get(a, '/v1/clusters/fresh/configs?limit=3').expect(200);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.link)?.[1];
    expect(next).toBeDefined();
    const deep = await get(a, next!).expect(200);
    expect(deep.body.items.map((v: { version: number }) => v.version)).toEqual([5, 4, 3]);
    expect((await get(a, next!).expect(200)).text).toBe(deep.text);
    expect((await submit(a, 'fresh', 9)).status).toBe(201);
    const below10 = `/v1/clusters/fresh/configs?limit=1&cursor=${Buffer.from(JSON.stringify({ v: 10 })).toString('base64url')}`;
    expect((await get(a, below10).expect(200)).body.items[0]).toMatchObject({ version: 9, status: 'pending' });
    expect((await submit(a, 'fresh', 10)).status).toBe(201);
    expect((await get(a, below10).expect(200)).body.items[0]).toMatchObject({ version: 9, status: 'superseded' });
  });

  it('answers If-None-Match with 304 and no body while the ETag is current, and 200 after a change', async () => {
    await a.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'polled', resourceGroup: 'rg' }).expect(201);
    expect((await submit(a, 'polled', 1)).status).toBe(201);
    for (const path of ['/v1/clusters/polled', '/v1/clusters/polled/configs/1', '/v1/clusters/polled/configs/latest']) {
      const first = await get(a, path).expect(200);
      expect(first.headers.etag).toMatch(/^"r\d+"$/);
      expect(first.headers['content-type']).toMatch(/^application\/json/);
      for (const tag of [first.headers.etag, `W/${first.headers.etag}`, `"r0", ${first.headers.etag}`, '*']) {
        const again = await get(a, path, tag).expect(304);
        expect(again.text ?? '').toBe('');
        expect(again.headers.etag).toBe(first.headers.etag);
      }
      expect((await get(a, path, '"r999"').expect(200)).body).toEqual(first.body);
    }
    const before = await get(a, '/v1/clusters/polled/configs/1').expect(200);
    const decided = await approve(a, 'polled', 1);
    expect(decided.status).toBe(201);
    const after = await get(a, '/v1/clusters/polled/configs/1', before.headers.etag).expect(200);
    expect(after.body.status).toBe('approved');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    // PATCH of the cluster moves the ETag of the cluster GET too.
    const clusterBefore = await get(a, '/v1/clusters/polled').expect(200);
    await a.http().patch('/v1/clusters/polled').set(bearer(submitter)).send({ resourceGroup: 'rg-moved' }).expect(200);
    const clusterAfter = await get(a, '/v1/clusters/polled', clusterBefore.headers.etag).expect(200);
    expect(clusterAfter.body.resourceGroup).toBe('rg-moved');
  });

  it('answers a full audit page again as it was, and the last page with the events appended since', async () => {
    await a.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'audited', resourceGroup: 'rg' }).expect(201);
    expect((await submit(a, 'audited', 1)).status).toBe(201);
    expect((await submit(a, 'audited', 2)).status).toBe(201);
    const path = '/v1/audit?cluster=audited&limit=2';
    const full = await get(a, path).expect(200);
    expect(full.body.items.map((e: { action: string }) => e.action)).toEqual(['cluster.created', 'config.submitted']);
    expect(full.body.nextCursor).not.toBeNull();
    const tail = `${path}&cursor=${full.body.nextCursor}`;
    const last = await get(a, tail).expect(200);
    expect(last.body.items.map((e: { action: string; version: number | null }) => [e.action, e.version])).toEqual([
      ['config.superseded', 1],
      ['config.submitted', 2],
    ]);
    expect(last.body.nextCursor).toBeNull();
    expect((await approve(a, 'audited', 2)).status).toBe(201);
    // The full page is the same text; the page that was last now has a next one, holding the approval's events.
    const again = await get(a, path).expect(200);
    expect(again.text).toBe(full.text);
    expect(again.headers.link).toBe(full.headers.link);
    const grown = await get(a, tail).expect(200);
    expect(grown.body.items).toEqual(last.body.items);
    expect(grown.body.nextCursor).not.toBeNull();
    const after = await get(a, `${path}&cursor=${grown.body.nextCursor}`).expect(200);
    expect(after.body.items.map((e: { action: string }) => e.action)).toEqual(['config.decided', 'config.approved']);
  });

  it('shows another process the change once the notification arrived (PostgreSQL, two app instances)', async () => {
    if (!b) return; // PGlite: one process only
    const other = b;
    // Two approvals is an approval policy: an admin sets it.
    await a.http().post('/v1/clusters').set(bearer(ADMIN_TOKEN)).send({ name: 'shared', resourceGroup: 'rg', requiredApprovals: 2 }).expect(201);
    expect((await submit(a, 'shared', 1)).status).toBe(201);
    // b caches the pending version and the cluster.
    for (let n = 0; n < 3; n++) {
      expect((await get(other, '/v1/clusters/shared/configs/1').expect(200)).body.decisions).toHaveLength(0);
      await get(other, '/v1/clusters/shared').expect(200);
      expect((await get(other, '/v1/clusters/shared/configs').expect(200)).body.items[0].decisions).toHaveLength(0);
    }
    // Decisions in a: b sees each one within the notification delay (bounded generously here; the bench measures it).
    const waitFor = async (check: () => Promise<boolean>) => {
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        if (await check()) return true;
        await new Promise((r) => setTimeout(r, 10));
      }
      return false;
    };
    expect((await approve(a, 'shared', 1)).status).toBe(201);
    expect(await waitFor(async () => (await get(other, '/v1/clusters/shared/configs/1')).body.decisions.length === 1)).toBe(true);
    const second = await a.http().post('/v1/clusters/shared/configs/1/decisions').set(bearer(approver2)).send({ decision: 'approve' });
    expect(second.status).toBe(201);
    expect(await waitFor(async () => (await get(other, '/v1/clusters/shared/configs/current')).status === 200)).toBe(true);
    expect((await get(other, '/v1/clusters/shared/configs/1').expect(200)).body.status).toBe('approved');
    expect((await get(other, '/v1/clusters/shared/configs').expect(200)).body.items[0]).toMatchObject({ version: 1, status: 'approved' });
    const cluster = await get(other, '/v1/clusters/shared').expect(200);
    expect(cluster.body.currentVersion.version).toBe(1);
    expect(cluster.headers.etag).toBe(second.headers.etag);
    // And the other way round: a write in b reaches a's cache.
    await get(a, '/v1/clusters/shared/configs/latest').expect(200);
    expect((await submit(other, 'shared', 2)).status).toBe(201);
    expect(await waitFor(async () => (await get(a, '/v1/clusters/shared/configs/latest')).body.version === 2)).toBe(true);
  });
});
