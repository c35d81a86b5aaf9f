import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// API.md "People and sign-in" (people, acting for), "Clusters" (approval policy) and "API keys" (expiresAt,
// lastUsedAt, GET by id, case-insensitive names). The issue's forged cases, tried as a user would.

describe(`people, acting for, approval policy and API keys (${DATABASE})`, () => {
  let t: TestApp;
  let now = new Date('2026-12-02T09:00:00.000Z');
  const clock = { now: () => new Date(now) };
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  let bot: string;
  let readerBot: string;
  let submitter: string;
  let approver: string;
  const admin = bearer(ADMIN_TOKEN);
  const config = { httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['.corp.example'] };
  const audit = async (query: string) => (await t.http().get(`/v1/audit?${query}&limit=200`).set(admin).expect(200)).body.items;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    [bot, readerBot, submitter, approver] = await Promise.all([
      t.key('chatops', ['submitter', 'approver'], { canActFor: true }),
      t.key('reader-bot', ['reader'], { canActFor: true }),
      t.key('sam', ['submitter']),
      t.key('abby', ['approver']),
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('people', () => {
    it('PUT creates (201) then changes (200); names are case-insensitive and kept lower-cased; audited as person.updated', async () => {
      const created = await t.http().put('/v1/people/Alice@Contoso.com').set(admin).send({ roles: ['submitter', 'approver'] });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ name: 'alice@contoso.com', roles: ['approver', 'submitter'], source: 'admin', lastSeenAt: null });
      expect(created.headers.location).toBe('/v1/people/alice%40contoso.com');
      const changed = await t.http().put('/v1/people/ALICE@contoso.com').set(admin).send({ roles: ['approver'] });
      expect(changed.status).toBe(200);
      expect(changed.body.roles).toEqual(['approver']);
      const same = await t.http().put('/v1/people/alice@contoso.com').set(admin).send({ roles: ['approver'] });
      expect(same.status).toBe(200);
      const got = await t.http().get('/v1/people/aLiCe@contoso.com').set(admin).expect(200);
      expect(got.body).toMatchObject({ name: 'alice@contoso.com', roles: ['approver'] });
      const events = await audit('action=person.updated');
      const mine = events.filter((e: { details: { name: string } }) => e.details.name === 'alice@contoso.com');
      expect(mine).toHaveLength(2); // created, changed; the PUT that changed nothing is no event
      expect(mine[1]).toMatchObject({ actor: 'admin', via: null, details: { before: ['approver', 'submitter'], roles: ['approver'] } });
    });

    it('GET /v1/people is paginated; unknown people are 404; bad names and roles are 400', async () => {
      for (const name of ['bob', 'carol', 'dave']) await t.http().put(`/v1/people/${name}`).set(admin).send({ roles: ['approver'] }).expect(201);
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Response = await t.http().get(`/v1/people?limit=2${cursor ? `&cursor=${cursor}` : ''}`).set(admin).expect(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        if (page.body.nextCursor) expect(page.headers.link).toMatch(/rel="next"/);
        names.push(...page.body.items.map((p: { name: string }) => p.name));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(names).toEqual(['alice@contoso.com', 'bob', 'carol', 'dave']);
      const missing = await t.http().get('/v1/people/nobody').set(admin);
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('PERSON_NOT_FOUND');
      for (const [path, body] of [
        ['/v1/people/bob%0Asmith', { roles: ['reader'] }],
        ['/v1/people/%20bob', { roles: ['reader'] }],
        [`/v1/people/${'a'.repeat(257)}`, { roles: ['reader'] }],
        ['/v1/people/bob', { roles: ['root'] }],
        ['/v1/people/bob', { roles: 'admin' }],
        ['/v1/people/bob', {}],
        ['/v1/people/bob', { roles: ['reader', 'reader'] }],
      ] as const) {
        const res = await t.http().put(path).set(admin).send(body);
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
        expect(res.body.code).toBe('BAD_REQUEST');
      }
      expect((await t.http().get('/v1/people/bob%0Asmith').set(admin)).status).toBe(400);
      // a subject id or a display name is a name like any other (API.md: the person is whatever the claim holds)
      const subject = await t.http().put(`/v1/people/${encodeURIComponent('Auth0|5F7C8ec7')}`).set(admin).send({ roles: ['reader'] });
      expect(subject.status, subject.text).toBe(201);
      expect(subject.body).toMatchObject({ name: 'auth0|5f7c8ec7' });
      expect((await t.http().get(`/v1/people/${encodeURIComponent('auth0|5F7C8EC7')}`).set(admin)).body).toMatchObject({ name: 'auth0|5f7c8ec7' });
      expect((await t.http().put('/v1/people/Jane%20Doe').set(admin).send({ roles: ['reader'] })).status).toBe(201);
    });

    it('only admins see or change people', async () => {
      for (const token of [bot, submitter, approver]) {
        expect((await t.http().get('/v1/people').set(bearer(token))).status).toBe(403);
        expect((await t.http().get('/v1/people/bob').set(bearer(token))).status).toBe(403);
        expect((await t.http().put('/v1/people/bob').set(bearer(token)).send({ roles: ['admin'] })).status).toBe(403);
      }
      expect((await t.http().get('/v1/people/bob').set(admin)).body.roles).toEqual(['approver']);
    });
  });

  describe('acting for a person: the forgeries of the issue are refused', () => {
    const asBot = (person: string, token = bot) => ({ ...bearer(token), 'x-acting-for': person });

    beforeAll(async () => {
      await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'act', resourceGroup: 'rg' }).expect(201);
      await t.http().post('/v1/clusters/act/configs').set(bearer(submitter)).send({ config, reason: 'to approve' }).expect(201);
      await t.http().put('/v1/people/rita').set(admin).send({ roles: ['reader'] }).expect(201);
    });

    it('invented people approving one version twice: 403 UNKNOWN_PERSON, nothing decided', async () => {
      for (const person of ['mallory1', 'mallory2', 'auth0|mallory', 'Mallory Evil/3']) {
        const res = await t.http().post('/v1/clusters/act/configs/1/decisions').set(asBot(person)).send({ decision: 'approve' });
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('UNKNOWN_PERSON');
      }
      const v = await t.http().get('/v1/clusters/act/configs/1').set(admin).expect(200);
      expect(v.body).toMatchObject({ status: 'pending', decisions: [] });
      expect(await audit('actor=mallory1')).toEqual([]);
    });

    it("the route's role is checked against the person, not the bot: rita (reader) cannot approve through the bot", async () => {
      const res = await t.http().post('/v1/clusters/act/configs/1/decisions').set(asBot('rita')).send({ decision: 'approve' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
      const submit = await t.http().post('/v1/clusters/act/configs').set(asBot('Rita')).send({ config, reason: 'x' });
      expect(submit.status).toBe(403);
      expect(submit.body.code).toBe('FORBIDDEN');
      // reading is hers to do
      await t.http().get('/v1/clusters/act').set(asBot('rita')).expect(200);
    });

    it('the bot needs the role as well: a reader bot cannot approve for bob, an approver', async () => {
      const res = await t.http().post('/v1/clusters/act/configs/1/decisions').set(asBot('bob', readerBot)).send({ decision: 'approve' });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    });

    it('a key without canActFor, or the admin token, cannot act for anyone', async () => {
      for (const token of [approver, ADMIN_TOKEN]) {
        const res = await t.http().post('/v1/clusters/act/configs/1/decisions').set(asBot('bob', token)).send({ decision: 'approve' });
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('FORBIDDEN');
      }
    });

    it('a known person with the role: the decision and the audit carry the person and the bot (via)', async () => {
      await t.http().patch('/v1/clusters/act').set(admin).send({ requiredApprovals: 2 }).expect(200);
      await t.http().post('/v1/clusters/act/configs').set(bearer(submitter)).send({ config: { ...config, noProxy: ['.b.example'] }, reason: 'two' }).expect(201);
      const first = await t.http().post('/v1/clusters/act/configs/2/decisions').set(asBot('Bob')).send({ decision: 'approve', comment: 'from chat' });
      expect(first.status).toBe(201);
      expect(first.body.requiredApprovals).toBe(2);
      expect(first.body.decisions).toEqual([expect.objectContaining({ actor: 'bob', via: 'chatops', decision: 'approve' })]);
      // one decision per person, whichever way bob comes
      const again = await t.http().post('/v1/clusters/act/configs/2/decisions').set(asBot('BOB')).send({ decision: 'approve' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('ALREADY_DECIDED');
      const second = await t.http().post('/v1/clusters/act/configs/2/decisions').set(asBot('carol')).send({ decision: 'approve' });
      expect(second.status).toBe(201);
      expect(second.body.status).toBe('approved');
      const decided = await audit('action=config.decided&cluster=act');
      expect(decided.map((e: { actor: string; via: string }) => [e.actor, e.via])).toEqual([
        ['bob', 'chatops'],
        ['carol', 'chatops'],
      ]);
      // and a decision made with one's own key has via null
      const own = (await audit('action=apikey.created')).every((e: { via: null }) => e.via === null);
      expect(own).toBe(true);
    });

    it('separation of duties is on the person: the bot acting for alice cannot approve what alice submitted through it', async () => {
      const v = await t.http().post('/v1/clusters/act/configs').set(asBot('alice@contoso.com')).send({ config, reason: 'alice via chat' });
      // alice holds only approver now: she cannot submit
      expect(v.status).toBe(403);
      await t.http().put('/v1/people/alice@contoso.com').set(admin).send({ roles: ['submitter', 'approver'] }).expect(200);
      const ok = await t.http().post('/v1/clusters/act/configs').set(asBot('alice@contoso.com')).send({ config, reason: 'alice via chat' });
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ submittedBy: 'alice@contoso.com', submittedVia: 'chatops' });
      const self = await t.http().post(`/v1/clusters/act/configs/${ok.body.version}/decisions`).set(asBot('ALICE@contoso.com')).send({ decision: 'approve' });
      expect(self.status).toBe(403);
      expect(self.body.code).toBe('SELF_APPROVAL');
      const asItself = await t.http().post(`/v1/clusters/act/configs/${ok.body.version}/decisions`).set(bearer(bot)).send({ decision: 'approve' });
      expect(asItself.status).toBe(403);
      expect(asItself.body.code).toBe('SELF_APPROVAL');
    });

    it("acting for a person grants only what both hold: the bot acting for an admin person still cannot change the approval policy", async () => {
      await t.http().put('/v1/people/root-person').set(admin).send({ roles: ['admin'] }).expect(201);
      const res = await t.http().patch('/v1/clusters/act').set(asBot('root-person')).send({ requiredApprovals: 1 });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    });
  });

  describe('approval policy', () => {
    it('a submitter cannot create a cluster needing more than one approval, nor change requiredApprovals; an admin can, audited old and new', async () => {
      const create = await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'prod', resourceGroup: 'rg', requiredApprovals: 2 });
      expect(create.status).toBe(403);
      expect(create.body.code).toBe('FORBIDDEN');
      expect((await t.http().get('/v1/clusters/prod').set(admin)).status).toBe(404);
      await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'prod', resourceGroup: 'rg', requiredApprovals: 1 }).expect(201);
      await t.http().patch('/v1/clusters/prod').set(admin).send({ requiredApprovals: 2 }).expect(200);

      const lower = await t.http().patch('/v1/clusters/prod').set(bearer(submitter)).send({ requiredApprovals: 1 });
      expect(lower.status).toBe(403);
      expect(lower.body.code).toBe('FORBIDDEN');
      const mixed = await t.http().patch('/v1/clusters/prod').set(bearer(submitter)).send({ requiredApprovals: 1, location: 'westeurope' });
      expect(mixed.status).toBe(403);
      // the same value is no change of the policy; other fields stay the submitter's
      const same = await t.http().patch('/v1/clusters/prod').set(bearer(submitter)).send({ requiredApprovals: 2, location: 'westeurope' });
      expect(same.status).toBe(200);
      expect(same.body).toMatchObject({ requiredApprovals: 2, location: 'westeurope' });

      // the issue's case: the next version still needs two approvals
      const v = await t.http().post('/v1/clusters/prod/configs').set(bearer(submitter)).send({ config, reason: 'needs two' });
      expect(v.body.requiredApprovals).toBe(2);
      const one = await t.http().post('/v1/clusters/prod/configs/1/decisions').set(bearer(approver)).send({ decision: 'approve' });
      expect(one.body.status).toBe('pending');

      // a version keeps the policy it was submitted with
      await t.http().patch('/v1/clusters/prod').set(admin).send({ requiredApprovals: 3 }).expect(200);
      expect((await t.http().get('/v1/clusters/prod/configs/1').set(admin)).body.requiredApprovals).toBe(2);

      const updates = await audit('action=cluster.updated&cluster=prod');
      const policy = updates.filter((e: { details: { changed: string[] } }) => e.details.changed.includes('requiredApprovals'));
      expect(policy.map((e: { actor: string; details: { before: object; after: object } }) => [e.actor, e.details.before, e.details.after])).toEqual([
        ['admin', { requiredApprovals: 1 }, { requiredApprovals: 2 }],
        ['admin', { requiredApprovals: 2 }, { requiredApprovals: 3 }],
      ]);
    });
  });

  describe('API keys', () => {
    it('names are case-insensitive and unique: 409 API_KEY_EXISTS', async () => {
      for (const name of ['SAM', 'Sam', 'ADMIN']) {
        const res = await t.http().post('/v1/api-keys').set(admin).send({ name, roles: ['reader'] });
        expect(res.status, name).toBe(409);
        expect(res.body.code).toBe('API_KEY_EXISTS');
      }
    });

    it('GET /v1/api-keys/{id} is where the Location of a new key leads; unknown ids are 404, bad ones 400', async () => {
      const created = await t.http().post('/v1/api-keys').set(admin).send({ name: 'Portal-Bot', roles: ['reader'] }).expect(201);
      expect(created.body).toMatchObject({ expiresAt: null, lastUsedAt: null });
      const got = await t.http().get(created.headers.location).set(admin).expect(200);
      const { token: _token, ...shown } = created.body;
      expect(got.body).toEqual(shown);
      expect(got.text).not.toContain(created.body.token);
      expect((await t.http().get('/v1/api-keys/00000000-0000-4000-8000-000000000000').set(admin)).body.code).toBe('API_KEY_NOT_FOUND');
      // an id that cannot be one names no key either
      const malformed = await t.http().get('/v1/api-keys/not-a-uuid').set(admin);
      expect([malformed.status, malformed.body.code]).toEqual([404, 'API_KEY_NOT_FOUND']);
      expect((await t.http().get(created.headers.location).set(bearer(submitter))).status).toBe(403);
    });

    it('lastUsedAt is recorded, at most once a minute', async () => {
      const created = await t.http().post('/v1/api-keys').set(admin).send({ name: 'used', roles: ['reader'] }).expect(201);
      const path = `/v1/api-keys/${created.body.id}`;
      await t.http().get('/v1/clusters').set(bearer(created.body.token)).expect(200);
      const first = (await t.http().get(path).set(admin)).body.lastUsedAt;
      expect(first).toBe(now.toISOString());
      advance(30_000);
      await t.http().get('/v1/clusters').set(bearer(created.body.token)).expect(200);
      expect((await t.http().get(path).set(admin)).body.lastUsedAt).toBe(first);
      advance(31_000);
      await t.http().get('/v1/clusters').set(bearer(created.body.token)).expect(200);
      expect((await t.http().get(path).set(admin)).body.lastUsedAt).toBe(now.toISOString());
    });

    it('expiresAt: in the future (else 400); from then on the key is 401', async () => {
      for (const expiresAt of [new Date(now.getTime() - 1000).toISOString(), now.toISOString(), 'tomorrow', '2027-02-30T00:00:00Z', 12]) {
        const res = await t.http().post('/v1/api-keys').set(admin).send({ name: 'bad-expiry', roles: ['reader'], expiresAt });
        expect(res.status, String(expiresAt)).toBe(400);
        expect(res.body.code).toBe('BAD_REQUEST');
      }
      // null, as GET shows a key that never expires, is such a key (not a 500)
      const never = await t.http().post('/v1/api-keys').set(admin).send({ name: 'never-expires', roles: ['reader'], expiresAt: null });
      expect(never.status, never.text).toBe(201);
      expect(never.body.expiresAt).toBeNull();
      const expiresAt = new Date(now.getTime() + 3600_000).toISOString();
      const created = await t.http().post('/v1/api-keys').set(admin).send({ name: 'temp', roles: ['reader'], expiresAt }).expect(201);
      expect(created.body.expiresAt).toBe(expiresAt);
      await t.http().get('/v1/clusters').set(bearer(created.body.token)).expect(200);
      advance(3600_000);
      const res = await t.http().get('/v1/clusters').set(bearer(created.body.token));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.text).not.toContain(created.body.token);
      const listed = (await t.http().get('/v1/api-keys?limit=200').set(admin)).body.items.find((k: { name: string }) => k.name === 'temp');
      expect(listed).toMatchObject({ expiresAt, revokedAt: null });
    });
  });
});
