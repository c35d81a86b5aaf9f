import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// Inputs a reviewer found that once gave 500s or let one person count twice. ../shared/API.md: bad input is a 400
// BAD_REQUEST (never a 500, never a half-written change); SELF_APPROVAL 403 for the submitter, ALREADY_DECIDED 409;
// stale If-Match 412 PRECONDITION_FAILED; diff ?against=N|current|previous.
describe(`hardening against odd input (${DATABASE})`, () => {
  let t: TestApp;
  let alice: string; // submitter
  let bob: string; // approver
  let chatbot: string; // submitter + approver, may act for people

  const config = { httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['.corp.example'] };
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const get = (path: string) => t.http().get(path).set(bearer(ADMIN_TOKEN));
  const expectBadRequest = (res: { status: number; body: { code?: string } }) => {
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
  };
  /** The cluster's revision and the audit trail's length: neither may move on a refused request. */
  const state = async (cluster: string) => {
    const c = await get(`/v1/clusters/${cluster}`);
    const verify = await get('/v1/audit/verify');
    return { revision: c.body.revision as number, events: verify.body.events as number };
  };

  beforeAll(async () => {
    t = await startTestApp();
    [alice, bob, chatbot] = await Promise.all([
      t.key('alice', ['submitter']),
      t.key('bob', ['approver']),
      t.key('chatbot', ['submitter', 'approver'], { canActFor: true }),
    ]);
    // the people the bot acts for must be known (API.md "People and sign-in")
    for (const [name, roles] of [['alice', ['submitter', 'approver']], ['bob', ['approver']], ['carol', ['approver']]] as const) {
      await t.http().put(`/v1/people/${name}`).set(bearer(ADMIN_TOKEN)).send({ roles }).expect(201);
    }
    for (const [name, requiredApprovals] of [['one', 1], ['two', 2]] as const) {
      // more than one approval is the admins' policy to set (API.md "Clusters")
      const res = await t.http().post('/v1/clusters').set(bearer(requiredApprovals > 1 ? ADMIN_TOKEN : alice)).send({ name, resourceGroup: 'rg', requiredApprovals });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('PATCH with null for resourceGroup, requiredApprovals or nodePools is 400 and changes nothing', async () => {
    const before = await state('one');
    for (const body of [{ resourceGroup: null }, { requiredApprovals: null }, { nodePools: null }]) {
      expectBadRequest(await t.http().patch('/v1/clusters/one').set(bearer(alice)).send(body));
    }
    expect(await state('one')).toEqual(before);
    const cluster = await get('/v1/clusters/one');
    expect(cluster.body).toMatchObject({ resourceGroup: 'rg', requiredApprovals: 1, nodePools: [] });
  });

  it('PATCH with null clears location and network', async () => {
    const set = await t.http().patch('/v1/clusters/one').set(bearer(alice)).send({ location: 'westeurope', network: { serviceCidr: '10.0.0.0/16' } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ location: 'westeurope', network: { serviceCidr: '10.0.0.0/16' } });
    const cleared = await t.http().patch('/v1/clusters/one').set(bearer(alice)).send({ location: null, network: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ location: null, network: null });
  });

  it('a blank reason and node pools named twice are 400', async () => {
    expectBadRequest(await t.http().post('/v1/clusters/one/configs').set(bearer(alice)).send({ config, reason: '  \n\t ' }));
    const twice = await t
      .http()
      .patch('/v1/clusters/one')
      .set(bearer(alice))
      .send({ nodePools: [{ name: 'system', osType: 'Linux', type: 'VirtualMachineScaleSets' }, { name: 'System', osType: 'Windows', type: 'VirtualMachineScaleSets' }] });
    expectBadRequest(twice);
    expect(twice.body.detail).toContain('nodePools must not name the same pool twice');
  });

  it('a submission with revertTo or config null is 400, not a 500 or a CONFIG_INVALID', async () => {
    const before = await state('one');
    expectBadRequest(await t.http().post('/v1/clusters/one/configs').set(bearer(alice)).send({ revertTo: null, reason: 'x' }));
    expectBadRequest(await t.http().post('/v1/clusters/one/configs').set(bearer(alice)).send({ config: null, reason: 'x' }));
    expect(await state('one')).toEqual(before);
  });

  it('a revertTo beyond any version number (2^31, 1e19, 1e308) is 400 naming the range, not a 500', async () => {
    const before = await state('one');
    for (const revertTo of [2 ** 31, 1e19, 1e308, 1_000_000_000]) {
      const res = await t.http().post('/v1/clusters/one/configs').set(bearer(alice)).send({ revertTo, reason: 'back' });
      expectBadRequest(res);
      expect(res.body.detail, String(revertTo)).toContain('revertTo must be a version number from 1 to 999999999');
    }
    const missing = await t.http().post('/v1/clusters/one/configs').set(bearer(alice)).send({ revertTo: 999_999_999, reason: 'back' });
    expect([missing.status, missing.body.code]).toEqual([404, 'VERSION_NOT_FOUND']);
    expect(await state('one')).toEqual(before);
  });

  it('NUL characters and unpaired surrogates in free text and filters are 400, and nothing is written', async () => {
    const before = await state('one');
    const texts = ['a\u0000b', 'a\ud800b', '\udc00'];
    for (const text of texts) {
      expectBadRequest(await t.http().post('/v1/clusters/one/configs').set(bearer(alice)).send({ config, reason: text }));
      expectBadRequest(await t.http().post('/v1/clusters/one/configs').set(bearer(alice)).send({ config, reason: 'ok', changeTicket: text }));
    }
    expect(await state('one')).toEqual(before);
    for (const filter of ['actor', 'cluster', 'action']) {
      expectBadRequest(await get(`/v1/audit?${filter}=%00`));
    }
    // a proper surrogate pair (an emoji) is fine
    const emoji = await t.http().post('/v1/clusters/one/configs').set(bearer(alice)).send({ config, reason: 'ship it \u{1F680}' });
    expect(emoji.status).toBe(201);
    const decision = await t.http().post('/v1/clusters/one/configs/1/decisions').set(bearer(bob)).send({ decision: 'approve', comment: 'x\u0000' });
    expectBadRequest(decision);
  });

  it('forged cursors are 400 on every paginated route', async () => {
    const forged: [string, object][] = [
      ['/v1/clusters/one/configs', { v: 99_999_999_999 }],
      ['/v1/clusters/one/configs', { v: -1 }],
      ['/v1/audit', { seq: 99_999_999_999 }],
      ['/v1/audit', { seq: 1.5 }],
      ['/v1/clusters', { name: '\u0000' }],
      ['/v1/api-keys', { at: 'garbage', id: 'x' }],
      ['/v1/api-keys', { at: '2026-12-01T19:29:50.333Z', id: 'x' }],
    ];
    for (const [path, cursor] of forged) {
      const res = await get(`${path}?cursor=${b64(cursor)}`);
      expect(res.status, `${path} ${JSON.stringify(cursor)}`).toBe(400);
      expect(res.body.code).toBe('BAD_REQUEST');
    }
    // the cursors the service hands out still work
    const first = await get('/v1/api-keys?limit=1');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expect((await get(`/v1/api-keys?limit=1&cursor=${first.body.nextCursor}`)).status).toBe(200);
  });

  it('audit since/until take RFC 3339 only (lower-case t and z too); other ISO 8601 forms are 400', async () => {
    for (const since of ['2026-W48', '2026-335', '20261201T193113Z', '2026-02-30T00:00:00Z', '2026-12-01']) {
      expectBadRequest(await get(`/v1/audit?since=${since}`));
    }
    const all = await get('/v1/audit?since=2000-01-01t00:00:00z');
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThan(0);
    const none = await get('/v1/audit?until=2000-01-01T00:00:00%2B01:00');
    expect(none.status).toBe(200);
    expect(none.body.items).toEqual([]);
  });

  describe('people are named case-insensitively', () => {
    it('a bot acting for ALICE cannot approve what alice submitted (SELF_APPROVAL)', async () => {
      const v = await t.http().post('/v1/clusters/one/configs').set(bearer(alice)).send({ config: { ...config, noProxy: ['.a.example'] }, reason: 'case' });
      expect(v.status).toBe(201);
      const res = await t
        .http()
        .post(`/v1/clusters/one/configs/${v.body.version}/decisions`)
        .set(bearer(chatbot))
        .set('x-acting-for', 'ALICE')
        .send({ decision: 'approve' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('SELF_APPROVAL');
    });

    it('bob approving directly and again as "Bob" through the bot is ALREADY_DECIDED; the audit names "bob"', async () => {
      const v = await t.http().post('/v1/clusters/two/configs').set(bearer(alice)).send({ config, reason: 'two approvals' });
      expect(v.status).toBe(201);
      const first = await t.http().post(`/v1/clusters/two/configs/${v.body.version}/decisions`).set(bearer(bob)).send({ decision: 'approve' });
      expect(first.status).toBe(201);
      const again = await t
        .http()
        .post(`/v1/clusters/two/configs/${v.body.version}/decisions`)
        .set(bearer(chatbot))
        .set('x-acting-for', 'Bob')
        .send({ decision: 'approve' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('ALREADY_DECIDED');
      const version = await get(`/v1/clusters/two/configs/${v.body.version}`);
      expect(version.body.status).toBe('pending');
      const byCarol = await t.http().post(`/v1/clusters/two/configs/${v.body.version}/decisions`).set(bearer(chatbot)).set('x-acting-for', 'Carol').send({ decision: 'approve' });
      expect(byCarol.status).toBe(201);
      expect(byCarol.body.status).toBe('approved');
      expect(byCarol.body.decisions.map((d: { actor: string }) => d.actor)).toEqual(['bob', 'carol']);
      const audit = await get(`/v1/audit?cluster=two&actor=CAROL&action=config.decided`);
      expect(audit.body.items).toHaveLength(1);
      expect(audit.body.items[0]).toMatchObject({ actor: 'carol', via: 'chatbot' });
    });

    it('a bot that submitted for alice cannot approve that version as itself', async () => {
      const v = await t
        .http()
        .post('/v1/clusters/two/configs')
        .set(bearer(chatbot))
        .set('x-acting-for', 'alice')
        .send({ config: { ...config, noProxy: ['.b.example'] }, reason: 'via the bot' });
      expect(v.status).toBe(201);
      expect(v.body).toMatchObject({ submittedBy: 'alice', submittedVia: 'chatbot' });
      const res = await t.http().post(`/v1/clusters/two/configs/${v.body.version}/decisions`).set(bearer(chatbot)).send({ decision: 'approve' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('SELF_APPROVAL');
      // another person through the same bot may
      const bobViaBot = await t.http().post(`/v1/clusters/two/configs/${v.body.version}/decisions`).set(bearer(chatbot)).set('x-acting-for', 'bob').send({ decision: 'approve' });
      expect(bobViaBot.status).toBe(201);
    });
  });

  it('a version cannot be approved once the cluster has gained a Windows pool (422 CONFIG_INVALID, nothing stored); a reject still can', async () => {
    const created = await t
      .http()
      .post('/v1/clusters')
      .set(bearer(alice))
      .send({ name: 'mixed', resourceGroup: 'rg', nodePools: [{ name: 'system', osType: 'Linux', type: 'VirtualMachineScaleSets' }] });
    expect(created.status).toBe(201);
    const v = await t.http().post('/v1/clusters/mixed/configs').set(bearer(alice)).send({ config, reason: 'before the Windows pool' });
    expect(v.status).toBe(201);
    const patched = await t
      .http()
      .patch('/v1/clusters/mixed')
      .set(bearer(alice))
      .send({
        nodePools: [
          { name: 'system', osType: 'Linux', type: 'VirtualMachineScaleSets' },
          { name: 'win', osType: 'Windows', type: 'VirtualMachineScaleSets' },
        ],
      });
    expect(patched.status).toBe(200);
    const before = await state('mixed');
    const approve = await t.http().post('/v1/clusters/mixed/configs/1/decisions').set(bearer(bob)).send({ decision: 'approve' });
    expect(approve.status).toBe(422);
    expect(approve.body.code).toBe('CONFIG_INVALID');
    expect(approve.body.findings).toEqual([expect.objectContaining({ code: 'CLUSTER_WINDOWS_NODE_POOL', severity: 'error', pointer: '' })]);
    expect(approve.body.findings[0].message).toContain('"win"');
    expect(await state('mixed')).toEqual(before);
    expect((await get('/v1/clusters/mixed/configs/1')).body).toMatchObject({ status: 'pending', decisions: [] });
    const reject = await t.http().post('/v1/clusters/mixed/configs/1/decisions').set(bearer(bob)).send({ decision: 'reject', comment: 'Windows pool' });
    expect(reject.status).toBe(201);
    expect(reject.body.status).toBe('rejected');
  });

  it('audit/verify stays ok while changes are being written (it checks the chain up to the head it read)', async () => {
    const created = await t.http().post('/v1/clusters').set(bearer(alice)).send({ name: 'busy', resourceGroup: 'rg' });
    expect(created.status).toBe(201);
    const writes = Array.from({ length: 40 }, (_, i) =>
      t.http().post('/v1/clusters/busy/configs').set(bearer(alice)).send({ config: { ...config, noProxy: [`.n${i}.example`] }, reason: `write ${i}` }),
    );
    const verifies = Array.from({ length: 20 }, () => get('/v1/audit/verify'));
    const [written, verified] = await Promise.all([Promise.all(writes), Promise.all(verifies)]);
    expect(written.every((r) => r.status === 201)).toBe(true);
    expect(verified.map((r) => r.body.ok)).toEqual(verified.map(() => true));
  });

  it('cluster names are case-insensitive, as Azure\'s are: "Case-Test" and "case-test" are one cluster', async () => {
    const created = await t.http().post('/v1/clusters').set(bearer(alice)).send({ name: 'Case-Test', resourceGroup: 'rg' });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('case-test');
    expect(created.headers.location).toBe('/v1/clusters/case-test');
    const again = await t.http().post('/v1/clusters').set(bearer(alice)).send({ name: 'case-TEST', resourceGroup: 'rg' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CLUSTER_EXISTS');
    expect((await get('/v1/clusters/CASE-TEST')).body.name).toBe('case-test');
    const submitted = await t.http().post('/v1/clusters/Case-Test/configs').set(bearer(alice)).send({ config, reason: 'case' });
    expect(submitted.status).toBe(201);
    expect(submitted.body.cluster).toBe('case-test');
    const validated = await t.http().post('/v1/validate?cluster=CASE-test').set(bearer(ADMIN_TOKEN)).send(config);
    expect(validated.status).toBe(200);
    const audit = await get('/v1/audit?cluster=Case-Test');
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['cluster.created', 'config.submitted']);
  });

  it('If-Match uses strong comparison: a weak W/"r<revision>" is 412', async () => {
    const cluster = await get('/v1/clusters/one');
    const etag = cluster.headers.etag as string;
    const weak = await t.http().patch('/v1/clusters/one').set(bearer(alice)).set('if-match', `W/${etag}`).send({ location: 'northeurope' });
    expect(weak.status).toBe(412);
    expect(weak.body.code).toBe('PRECONDITION_FAILED');
    const strong = await t.http().patch('/v1/clusters/one').set(bearer(alice)).set('if-match', etag).send({ location: 'northeurope' });
    expect(strong.status).toBe(200);
  });

  it('diff ?against=current of the current version itself is an empty diff, while the default falls back to the previous one', async () => {
    const submitted = await t.http().post('/v1/clusters/one/configs').set(bearer(alice)).send({ config: { ...config, noProxy: ['.c.example'] }, reason: 'diff' });
    expect(submitted.status).toBe(201);
    const v = submitted.body.version as number;
    expect((await t.http().post(`/v1/clusters/one/configs/${v}/decisions`).set(bearer(bob)).send({ decision: 'approve' })).body.status).toBe('approved');
    const explicit = await get(`/v1/clusters/one/configs/${v}/diff?against=current`);
    expect(explicit.status).toBe(200);
    expect(explicit.body).toMatchObject({ from: v, to: v, changed: false, changes: [] });
    const byDefault = await get(`/v1/clusters/one/configs/${v}/diff`);
    expect(byDefault.body.from).toBe(v - 1);
  });
});
