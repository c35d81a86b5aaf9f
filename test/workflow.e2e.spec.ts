import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../src/client';
import { testCertificates } from './support/certificates';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// The change workflow of ../shared/API.md "Clusters", "Versions" and "Audit", told as the story users live:
// alice submits, bob approves, a second approval where required, render, diff, revert, withdraw, supersede.
describe(`change workflow (${DATABASE})`, () => {
  let t: TestApp;
  let alice: string; // submitter
  let bob: string; // approver
  let carol: string; // approver
  let dave: string; // reader
  let erin: string; // submitter + approver
  const certs = testCertificates();

  const v1Config = {
    httpProxy: 'http://proxy.corp.example:3128/',
    httpsProxy: 'http://proxy.corp.example:3128/',
    noProxy: ['.corp.example', 'svc.cluster.local'],
    trustedCa: certs.caBase64,
  };
  const v2Config = { ...v1Config, httpsProxy: 'http://proxy2.corp.example:8080', noProxy: ['.corp.example', 'svc.cluster.local', 'mcr.microsoft.com'] };
  const v3Config = { ...v2Config, noProxy: ['.corp.example'] };

  beforeAll(async () => {
    t = await startTestApp({ clock: { now: () => certs.now } });
    [alice, bob, carol, dave, erin] = await Promise.all([
      t.key('alice', ['submitter']),
      t.key('bob', ['approver']),
      t.key('carol', ['approver']),
      t.key('dave', ['reader']),
      t.key('erin', ['submitter', 'approver']),
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const submit = (token: string, body: object, headers: Record<string, string> = {}) =>
    t.http().post('/v1/clusters/prod/configs').set(bearer(token)).set(headers).send(body);
  const decide = (token: string, v: number | string, decision: 'approve' | 'reject', headers: Record<string, string> = {}) =>
    t.http().post(`/v1/clusters/prod/configs/${v}/decisions`).set(bearer(token)).set(headers).send({ decision, comment: `${decision}d` });
  const get = (token: string, path: string) => t.http().get(path).set(bearer(token));

  it('alice registers the cluster: 201, Location and ETag "r1"', async () => {
    const res = await t
      .http()
      .post('/v1/clusters')
      .set(bearer(alice))
      .send({
        name: 'prod',
        resourceGroup: 'rg-prod',
        subscriptionId: '00000000-1111-2222-3333-444444444444',
        location: 'westeurope',
        nodePools: [{ name: 'system', osType: 'Linux', type: 'VirtualMachineScaleSets' }],
        network: { serviceCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16', nodeSubnetCidrs: ['10.224.0.0/16'], apiServerFqdn: 'prod-dns.hcp.westeurope.azmk8s.io' },
      });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe('/v1/clusters/prod');
    expect(res.headers.etag).toBe('"r1"');
    expect(res.body).toMatchObject({ name: 'prod', requiredApprovals: 1, revision: 1, currentVersion: null, latestVersion: null });
  });

  it('a second cluster with the same name is 409 CLUSTER_EXISTS; a bad name is 400', async () => {
    const dup = await t.http().post('/v1/clusters').set(bearer(alice)).send({ name: 'prod', resourceGroup: 'rg' });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('CLUSTER_EXISTS');
    const bad = await t.http().post('/v1/clusters').set(bearer(alice)).send({ name: 'has space', resourceGroup: 'rg' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('BAD_REQUEST');
    const long = await t.http().post('/v1/clusters').set(bearer(alice)).send({ name: 'x'.repeat(64), resourceGroup: 'rg' });
    expect(long.status).toBe(400);
  });

  it('alice submits v1: 201 pending with Location, normalized config, findings and certificates', async () => {
    const res = await submit(alice, { config: { ...v1Config, trustedCA: v1Config.trustedCa, trustedCa: undefined }, reason: 'Enable the egress proxy', changeTicket: 'CHG-1' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe('/v1/clusters/prod/configs/1');
    expect(res.body).toMatchObject({
      cluster: 'prod',
      version: 1,
      status: 'pending',
      reason: 'Enable the egress proxy',
      changeTicket: 'CHG-1',
      submittedBy: 'alice',
      requiredApprovals: 1,
      decisions: [],
      approvedAt: null,
    });
    expect(res.body.config.trustedCa).toBeDefined();
    expect(res.body.config.noProxy).toEqual(['.corp.example', 'svc.cluster.local']);
    expect(res.body.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.findings.map((f: { code: string }) => f.code)).toContain('FIELD_NAME_CASE');
    expect(res.body.certificates).toHaveLength(1);
  });

  it('an invalid config is 422 CONFIG_INVALID with findings, and stores nothing', async () => {
    const before = await get(dave, '/v1/clusters/prod/configs');
    const auditBefore = await get(dave, '/v1/audit?limit=200');
    const res = await submit(alice, { config: { httpProxy: 'https://user:secret@proxy:3128', noProxy: '*.corp.example' }, reason: 'bad' });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('CONFIG_INVALID');
    const codes = res.body.findings.map((f: { code: string }) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['PROXY_URL_SCHEME', 'PROXY_URL_CREDENTIALS', 'NO_PROXY_STRING']));
    expect(JSON.stringify(res.body)).not.toContain('secret');
    const after = await get(dave, '/v1/clusters/prod/configs');
    expect(after.body.items).toHaveLength(before.body.items.length);
    const auditAfter = await get(dave, '/v1/audit?limit=200');
    expect(auditAfter.body.items).toHaveLength(auditBefore.body.items.length);
  });

  it('the submitter cannot approve their own version: 403 SELF_APPROVAL', async () => {
    // erin is submitter and approver; she submits on another cluster and tries to approve it herself
    await t.http().post('/v1/clusters').set(bearer(erin)).send({ name: 'staging', resourceGroup: 'rg-stg' }).expect(201);
    await t.http().post('/v1/clusters/staging/configs').set(bearer(erin)).send({ config: v1Config, reason: 'r' }).expect(201);
    const res = await t.http().post('/v1/clusters/staging/configs/1/decisions').set(bearer(erin)).send({ decision: 'approve' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('SELF_APPROVAL');
  });

  it('a submitter without the approver role cannot decide: 403 FORBIDDEN', async () => {
    const res = await decide(alice, 1, 'approve');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
  });

  it('bob approves v1: it becomes current', async () => {
    const res = await decide(bob, 1, 'approve');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 1, status: 'approved', decisions: [{ actor: 'bob', decision: 'approve', comment: 'approved' }] });
    expect(res.body.approvedAt).not.toBeNull();
    const current = await get(dave, '/v1/clusters/prod/configs/current');
    expect(current.body.version).toBe(1);
    const cluster = await get(dave, '/v1/clusters/prod');
    expect(cluster.body.currentVersion).toMatchObject({ version: 1, status: 'approved' });
    expect(cluster.headers.etag).toBe(`"r${cluster.body.revision}"`);
  });

  it('a decided version cannot be decided again: 409 NOT_PENDING', async () => {
    const res = await decide(carol, 1, 'approve');
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('NOT_PENDING');
  });

  it('renders every format for the approved version, byte-identical on every call', async () => {
    const cli = await get(dave, '/v1/clusters/prod/configs/1/render?format=cli');
    expect(cli.status).toBe(200);
    expect(cli.headers['content-disposition']).toBe('attachment; filename="aks-proxy-config.json"');
    const file = JSON.parse(cli.text);
    expect(Object.keys(file)).toEqual(['httpProxy', 'httpsProxy', 'noProxy', 'trustedCa']);
    expect(file.httpProxy).toBe('http://proxy.corp.example:3128/');

    const arm = await get(dave, '/v1/clusters/prod/configs/1/render?format=arm');
    expect(JSON.parse(arm.text)).toEqual({ properties: { httpProxyConfig: file } });

    const bicep = await get(dave, '/v1/clusters/prod/configs/1/render?format=bicep');
    expect(bicep.text).toContain('httpProxyConfig: {');
    expect(bicep.text).toContain("httpProxy: 'http://proxy.corp.example:3128/'");

    const tf = await get(dave, '/v1/clusters/prod/configs/1/render?format=terraform');
    expect(tf.text).toMatch(/http_proxy_config \{/);
    expect(tf.text).toContain('trusted_ca');

    const az = await get(dave, '/v1/clusters/prod/configs/1/render?format=az');
    expect(az.text).toContain('az aks update --name prod --resource-group rg-prod');
    expect(az.text).toContain('--http-proxy-config aks-proxy-config.json');

    for (const format of ['cli', 'arm', 'bicep', 'terraform', 'az']) {
      const a = await get(dave, `/v1/clusters/prod/configs/1/render?format=${format}`);
      const b = await get(dave, `/v1/clusters/prod/configs/current/render?format=${format}`);
      expect(a.status).toBe(200);
      expect(Buffer.from(b.text)).toEqual(Buffer.from(a.text));
    }
    const bad = await get(dave, '/v1/clusters/prod/configs/1/render?format=yaml');
    expect(bad.status).toBe(400);
  });

  it('terraform omits trusted_ca when the config has none', async () => {
    await t.http().post('/v1/clusters').set(bearer(alice)).send({ name: 'noca', resourceGroup: 'rg' }).expect(201);
    await t.http().post('/v1/clusters/noca/configs').set(bearer(alice)).send({ config: { httpProxy: 'http://p.corp:3128' }, reason: 'r' }).expect(201);
    await t.http().post('/v1/clusters/noca/configs/1/decisions').set(bearer(bob)).send({ decision: 'approve' }).expect(201);
    const tf = await get(dave, '/v1/clusters/noca/configs/1/render?format=terraform');
    expect(tf.status).toBe(200);
    expect(tf.text).not.toContain('trusted_ca');
  });

  it('v2 differs from the current config: reimage and proxy-change warnings, and a diff against current', async () => {
    const res = await submit(alice, { config: v2Config, reason: 'New HTTPS proxy' });
    expect(res.status).toBe(201);
    expect(res.body.version).toBe(2);
    const codes = res.body.findings.map((f: { code: string }) => f.code);
    expect(codes).toEqual(expect.arrayContaining(['UPDATE_REIMAGES_NODES', 'PROXY_ENDPOINT_CHANGED']));

    const diff = await get(dave, '/v1/clusters/prod/configs/2/diff');
    expect(diff.status).toBe(200);
    expect(diff.body).toMatchObject({ from: 1, to: 2, changed: true, noProxy: { added: ['mcr.microsoft.com'], removed: [] } });
    expect(diff.body.changes).toEqual(expect.arrayContaining([expect.objectContaining({ op: 'replace', path: '/httpsProxy' })]));
    expect(diff.body.impact.map((f: { code: string }) => f.code)).toEqual(expect.arrayContaining(['UPDATE_REIMAGES_NODES', 'PROXY_ENDPOINT_CHANGED']));
    expect(typeof diff.body.summary).toBe('string');
    expect(diff.body.summary).not.toContain('\n');

    const md = await get(dave, '/v1/clusters/prod/configs/2/diff?format=markdown');
    expect(md.headers['content-type']).toMatch(/^text\/markdown/);
    expect(md.text).toContain('mcr.microsoft.com');
    const viaAccept = await t.http().get('/v1/clusters/prod/configs/2/diff').set(bearer(dave)).set('accept', 'text/markdown');
    expect(viaAccept.text).toBe(md.text);

    const first = await get(dave, '/v1/clusters/prod/configs/1/diff');
    expect(first.body.from).toBeNull();
  });

  it('a newer submission supersedes the pending one; the same content again answers 200 with it', async () => {
    const v3 = await submit(alice, { config: v3Config, reason: 'Trim noProxy' });
    expect(v3.status).toBe(201);
    expect(v3.body.version).toBe(3);
    const v2 = await get(dave, '/v1/clusters/prod/configs/2');
    expect(v2.body.status).toBe('superseded');

    // same meaning, other spelling: key case, URL spelling, noProxy case and duplicates
    const again = await submit(alice, {
      config: { HTTPPROXY: 'HTTP://Proxy.Corp.Example:3128', httpsProxy: 'http://proxy2.corp.example:8080/', noProxy: ['.CORP.example', '.corp.example'], trustedCa: certs.caBase64 },
      reason: 'again',
    });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(3);
    const current = await submit(alice, { config: v1Config, reason: 'same as current' });
    expect(current.status).toBe(200);
    expect(current.body.version).toBe(1);
  });

  it('the submitter withdraws; a withdrawn version cannot be withdrawn or decided again', async () => {
    const res = await t.http().post('/v1/clusters/prod/configs/3/withdraw').set(bearer(alice));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('withdrawn');
    const again = await t.http().post('/v1/clusters/prod/configs/3/withdraw').set(bearer(alice));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('NOT_PENDING');
    const decided = await decide(bob, 3, 'approve');
    expect(decided.status).toBe(409);
    const render = await get(dave, '/v1/clusters/prod/configs/3/render?format=cli');
    expect(render.status).toBe(409);
    expect(render.body.code).toBe('NOT_APPROVED');
  });

  it('only the submitter or an admin may withdraw', async () => {
    const v = await submit(alice, { config: { ...v1Config, noProxy: ['.corp.example', 'only-for-withdraw.example'] }, reason: 'w' });
    expect(v.status).toBe(201);
    const byErin = await t.http().post(`/v1/clusters/prod/configs/${v.body.version}/withdraw`).set(bearer(erin));
    expect(byErin.status).toBe(403);
    expect(byErin.body.code).toBe('FORBIDDEN');
    const byAdmin = await t.http().post(`/v1/clusters/prod/configs/${v.body.version}/withdraw`).set(bearer(ADMIN_TOKEN));
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.status).toBe('withdrawn');
  });

  it('revertTo re-submits an old version as a new pending version; one reject rejects it', async () => {
    const res = await submit(alice, { revertTo: 2, reason: 'Back to the v2 proxy' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'pending', revertOf: 2 });
    const v2 = await get(dave, '/v1/clusters/prod/configs/2');
    expect(res.body.contentHash).toBe(v2.body.contentHash);
    const rejected = await decide(bob, res.body.version, 'reject');
    expect(rejected.status).toBe(201);
    expect(rejected.body.status).toBe('rejected');
    const missing = await submit(alice, { revertTo: 99, reason: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('VERSION_NOT_FOUND');
    const both = await submit(alice, { revertTo: 1, config: v1Config, reason: 'x' });
    expect(both.status).toBe(400);
  });

  it('PATCH honours If-Match: a stale ETag is 412 PRECONDITION_FAILED', async () => {
    const cluster = await get(dave, '/v1/clusters/prod');
    const etag = cluster.headers.etag;
    // the approval policy is the admins' (API.md "Clusters"): alice, a submitter, may not change it
    const denied = await t.http().patch('/v1/clusters/prod').set(bearer(alice)).set('if-match', etag).send({ requiredApprovals: 2 });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('FORBIDDEN');
    const ok = await t.http().patch('/v1/clusters/prod').set(bearer(ADMIN_TOKEN)).set('if-match', etag).send({ requiredApprovals: 2 });
    expect(ok.status).toBe(200);
    expect(ok.body.requiredApprovals).toBe(2);
    expect(ok.headers.etag).not.toBe(etag);
    const stale = await t.http().patch('/v1/clusters/prod').set(bearer(ADMIN_TOKEN)).set('if-match', etag).send({ requiredApprovals: 3 });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('PRECONDITION_FAILED');
    const staleSubmit = await submit(alice, { config: v3Config, reason: 'x' }, { 'if-match': etag });
    expect(staleSubmit.status).toBe(412);
  });

  it('with requiredApprovals 2, one approval keeps it pending; a second distinct approver approves it and supersedes the old current', async () => {
    const etag = (await get(dave, '/v1/clusters/prod')).headers.etag;
    const v = await submit(alice, { config: v3Config, reason: 'Two approvals now' }, { 'if-match': etag });
    expect(v.status).toBe(201);
    expect(v.body.requiredApprovals).toBe(2);
    const first = await decide(bob, 'latest', 'approve');
    expect(first.body.status).toBe('pending');
    const twice = await decide(bob, v.body.version, 'approve');
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('ALREADY_DECIDED');
    const second = await decide(carol, v.body.version, 'approve');
    expect(second.body.status).toBe('approved');
    expect(second.body.decisions.map((d: { actor: string }) => d.actor)).toEqual(['bob', 'carol']);
    const old = await get(dave, '/v1/clusters/prod/configs/1');
    expect(old.body.status).toBe('superseded');
    // a superseded version was approved once: it still renders
    expect((await get(dave, '/v1/clusters/prod/configs/1/render?format=cli')).status).toBe(200);
    expect((await get(dave, '/v1/clusters/prod/configs/current')).body.version).toBe(v.body.version);
  });

  it('history is newest first, filterable by status, paginated with a cursor and a Link header', async () => {
    const all = await get(dave, '/v1/clusters/prod/configs?limit=200');
    const numbers = all.body.items.map((v: { version: number }) => v.version);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => numbers.length - i));
    const page1 = await get(dave, '/v1/clusters/prod/configs?limit=2');
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    expect(page1.headers.link).toMatch(/^<\/v1\/clusters\/prod\/configs\?limit=2&cursor=[^>]+>; rel="next"$/);
    const page2 = await get(dave, `/v1/clusters/prod/configs?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items[0].version).toBe(page1.body.items[1].version - 1);
    const superseded = await get(dave, '/v1/clusters/prod/configs?status=superseded');
    expect(superseded.body.items.every((v: { status: string }) => v.status === 'superseded')).toBe(true);
    expect((await get(dave, '/v1/clusters/prod/configs?cursor=garbage')).status).toBe(400);
    expect((await get(dave, '/v1/clusters/prod/configs?limit=201')).status).toBe(400);
    expect((await get(dave, '/v1/clusters/prod/configs?status=bogus')).status).toBe(400);
  });

  it('unknown clusters and versions are 404 with their codes; a bad version is 400', async () => {
    expect((await get(dave, '/v1/clusters/nope')).body.code).toBe('CLUSTER_NOT_FOUND');
    expect((await get(dave, '/v1/clusters/nope/configs/1')).body.code).toBe('CLUSTER_NOT_FOUND');
    const missing = await get(dave, '/v1/clusters/prod/configs/999');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('VERSION_NOT_FOUND');
    expect((await get(dave, '/v1/clusters/prod/configs/abc')).status).toBe(400);
    expect((await get(dave, '/v1/clusters/staging/configs/current')).body.code).toBe('VERSION_NOT_FOUND');
  });

  it('Idempotency-Key replays the first response; the same key with another body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    await t.http().post('/v1/clusters').set(bearer(alice)).send({ name: 'idem', resourceGroup: 'rg' }).expect(201);
    const body = { config: { httpProxy: 'http://p.corp:3128' }, reason: 'idempotent' };
    const first = await t.http().post('/v1/clusters/idem/configs').set(bearer(alice)).set('idempotency-key', 'k-1').send(body);
    expect(first.status).toBe(201);
    const replay = await t.http().post('/v1/clusters/idem/configs').set(bearer(alice)).set('idempotency-key', 'k-1').send(body);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.location).toBe(first.headers.location);
    const reused = await t
      .http()
      .post('/v1/clusters/idem/configs')
      .set(bearer(alice))
      .set('idempotency-key', 'k-1')
      .send({ ...body, reason: 'other' });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const history = await get(dave, '/v1/clusters/idem/configs');
    expect(history.body.items).toHaveLength(1);

    const d1 = await t.http().post('/v1/clusters/idem/configs/1/decisions').set(bearer(bob)).set('idempotency-key', 'd-1').send({ decision: 'approve' });
    const d2 = await t.http().post('/v1/clusters/idem/configs/1/decisions').set(bearer(bob)).set('idempotency-key', 'd-1').send({ decision: 'approve' });
    expect(d1.status).toBe(201);
    expect(d2.status).toBe(201);
    expect(d2.body).toEqual(d1.body);
  });

  it('writes one audit event per change, filterable, paginated oldest first, with a verifiable hash chain', async () => {
    const events = await get(dave, '/v1/audit?cluster=prod&limit=200');
    expect(events.status).toBe(200);
    const actions = events.body.items.map((e: { action: string }) => e.action);
    for (const action of ['cluster.created', 'cluster.updated', 'config.submitted', 'config.decided', 'config.approved', 'config.rejected', 'config.withdrawn', 'config.superseded', 'config.rendered']) {
      expect(actions).toContain(action);
    }
    const seqs = events.body.items.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const approved = events.body.items.find((e: { action: string }) => e.action === 'config.approved');
    expect(approved).toMatchObject({ cluster: 'prod', version: 1, actor: 'bob' });
    expect(approved.requestId).toEqual(expect.any(String));
    expect(approved.hash).toMatch(/^[0-9a-f]{64}$/);

    const byBob = await get(dave, '/v1/audit?actor=bob&action=config.decided');
    expect(byBob.body.items.length).toBeGreaterThan(0);
    expect(byBob.body.items.every((e: { actor: string; action: string }) => e.actor === 'bob' && e.action === 'config.decided')).toBe(true);
    const keys = await get(dave, '/v1/audit?action=apikey.created');
    expect(keys.body.items.map((e: { details: { name: string } }) => e.details.name)).toEqual(expect.arrayContaining(['alice', 'bob']));
    const future = await get(dave, `/v1/audit?since=${encodeURIComponent('2999-01-01T00:00:00Z')}`);
    expect(future.body.items).toEqual([]);

    const all = await get(dave, '/v1/audit?limit=3');
    expect(all.body.items[0].seq).toBe(1);
    expect(all.body.items[1].prevHash).toBe(all.body.items[0].hash);
    const next = await get(dave, `/v1/audit?limit=3&cursor=${all.body.nextCursor}`);
    expect(next.body.items[0].seq).toBe(4);

    const verify = await get(dave, '/v1/audit/verify');
    expect(verify.body).toMatchObject({ ok: true, head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(verify.body.events).toBeGreaterThan(20);
  });

  it('the typed client generated from /openapi.json walks the same workflow over real HTTP', async () => {
    const base = await t.url();
    const asAlice = createApiClient(base, alice);
    const asBob = createApiClient(base, bob);
    const asDave = createApiClient(base, dave);

    const created = await asAlice.POST('/v1/clusters', { body: { name: 'typed-client', resourceGroup: 'rg-typed' } });
    expect(created.response.status).toBe(201);
    expect(created.response.headers.get('location')).toBe('/v1/clusters/typed-client');
    expect(created.data?.revision).toBe(1);

    const submitted = await asAlice.POST('/v1/clusters/{name}/configs', {
      params: { path: { name: 'typed-client' }, header: { 'If-Match': created.response.headers.get('etag')! } },
      body: { config: v1Config, reason: 'through the typed client' },
    });
    expect(submitted.response.status).toBe(201);
    expect(submitted.data).toMatchObject({ cluster: 'typed-client', version: 1, status: 'pending', submittedBy: 'alice' });

    const decided = await asBob.POST('/v1/clusters/{name}/configs/{v}/decisions', {
      params: { path: { name: 'typed-client', v: '1' } },
      body: { decision: 'approve', comment: 'ok' },
    });
    expect(decided.response.status).toBe(201);
    expect(decided.data?.status).toBe('approved');
    expect(decided.data?.decisions.map((d) => d.actor)).toEqual(['bob']);

    const cluster = await asDave.GET('/v1/clusters/{name}', { params: { path: { name: 'typed-client' } } });
    expect(cluster.data?.currentVersion?.version).toBe(1);
    expect(cluster.response.headers.get('etag')).toBe(`"r${cluster.data?.revision}"`);

    const refused = await asDave.POST('/v1/clusters/{name}/configs', {
      params: { path: { name: 'typed-client' } },
      body: { config: v2Config, reason: 'a reader cannot submit' },
    });
    expect(refused.response.status).toBe(403);
    expect(refused.error).toMatchObject({ code: 'FORBIDDEN' });
  });
});
