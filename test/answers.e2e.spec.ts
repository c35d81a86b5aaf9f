import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatProblems, slackVisible, teamsVisible } from './support/chat-renderers';
import { bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// What a portal developer and a bot writer trip on (issue 15, "Answers"), against ../shared/API.md: explain URL
// errors, Markdown offered the same way on both explain routes and the diff, unknown query parameters and filter
// values, one message per field, malformed JSON located, conditional GETs and Location/Content-Location headers.
describe(`answers (${DATABASE})`, () => {
  let t: TestApp;
  let sam: string; // submitter
  let abe: string; // approver
  let amy: string; // approver
  let rita: string; // reader
  let bot: string; // submitter + approver that acts for people
  const config = { httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['.corp.example'] };

  beforeAll(async () => {
    t = await startTestApp();
    [sam, abe, amy, rita, bot] = await Promise.all([
      t.key('sam', ['submitter']),
      t.key('abe', ['approver']),
      t.key('amy', ['approver']),
      t.key('rita', ['reader']),
      t.key('chatops', ['submitter', 'approver'], { canActFor: true }),
    ]);
    await t.http().post('/v1/clusters').set(bearer(sam)).send({ name: 'edge', resourceGroup: 'rg' }).expect(201);
    await t.http().post('/v1/clusters/edge/configs').set(bearer(sam)).send({ config, reason: 'first proxy', changeTicket: 'CHG1' }).expect(201);
    await t.http().post('/v1/clusters/edge/configs/1/decisions').set(bearer(abe)).send({ decision: 'approve' }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (path: string, token = rita) => t.http().get(path).set(bearer(token));

  describe('explain: a URL that is not absolute http(s) never reads as "direct"', () => {
    it.each(['mcr.microsoft.com', 'mcr.microsoft.com:443/v2/', 'ftp://files.corp.example/', 'https://'])('GET ...explain?url=%s is 400 naming the URL', async (url) => {
      const res = await get(`/v1/clusters/edge/configs/1/explain?url=${encodeURIComponent(url)}&url=${encodeURIComponent('https://ok.example/')}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('BAD_REQUEST');
      expect(res.body.detail).toContain(JSON.stringify(url));
      expect(res.body.invalidParams).toEqual([{ name: 'url', value: url, reason: expect.any(String) }]);
    });

    it('POST /v1/explain answers such a URL with { url, error } and no clients; the others as usual', async () => {
      const res = await t
        .http()
        .post('/v1/explain')
        .set(bearer(rita))
        .send({ config, urls: ['mcr.microsoft.com', 'ftp://f.example/', 'https://mcr.microsoft.com/v2/'] });
      expect(res.status).toBe(200);
      const [bare, ftp, ok] = res.body.results;
      expect(bare).toEqual({ url: 'mcr.microsoft.com', error: expect.stringMatching(/^invalid URL: not an absolute http or https URL/) });
      expect(ftp).toEqual({ url: 'ftp://f.example/', error: 'invalid URL: only http and https URLs can be explained, not ftp' });
      expect(ok.clients.go.proxy).toBe('http://proxy.corp.example:3128/');
    });

    it('proxy: null only ever means direct: a client that makes no request answers { error, reason } without proxy', async () => {
      const res = await t.http().post('/v1/explain').set(bearer(rita)).send({ config, urls: ['http://bücher.example/', 'http://a.corp.example/'] });
      expect(res.status).toBe(200);
      const [idn, direct] = res.body.results;
      expect(idn.clients.ruby).toEqual({ error: 'no request', reason: expect.stringContaining('no request') });
      expect(idn.clients.ruby).not.toHaveProperty('proxy');
      for (const verdict of Object.values(direct.clients) as { proxy: string | null; reason: string }[]) {
        expect(verdict.proxy).toBeNull();
        expect(verdict.reason).toContain('.corp.example');
      }
    });
  });

  describe('Markdown: both explain routes and the diff, by ?format=markdown or Accept: text/markdown', () => {
    const asked = {
      'POST /v1/explain': (q: string, accept?: string) => {
        const r = t.http().post(`/v1/explain${q}`).set(bearer(rita));
        if (accept) r.set('accept', accept);
        return r.send({ config, urls: ['https://mcr.microsoft.com/v2/'] });
      },
      'GET .../explain': (q: string, accept?: string) => {
        const r = get(`/v1/clusters/edge/configs/1/explain?url=https%3A%2F%2Fmcr.microsoft.com%2Fv2%2F${q.replace('?', '&')}`);
        return accept ? r.set('accept', accept) : r;
      },
      'GET .../diff': (q: string, accept?: string) => {
        const r = get(`/v1/clusters/edge/configs/1/diff${q}`);
        return accept ? r.set('accept', accept) : r;
      },
    };
    for (const [route, ask] of Object.entries(asked)) {
      it(`${route}: ?format=markdown and Accept: text/markdown give the same Markdown; JSON otherwise`, async () => {
        const byQuery = await ask('?format=markdown');
        const byAccept = await ask('', 'text/markdown');
        const json = await ask('');
        const explicitJson = await ask('?format=json', 'text/markdown');
        for (const res of [byQuery, byAccept]) {
          expect(res.status).toBe(200);
          expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
          expect(res.headers.vary).toMatch(/Accept/i);
          expect(chatProblems(res.text)).toEqual([]);
        }
        expect(byAccept.text).toBe(byQuery.text);
        for (const res of [json, explicitJson]) {
          expect(res.status).toBe(200);
          expect(res.headers['content-type']).toMatch(/^application\/json/);
        }
        const bad = await ask('?format=html');
        expect(bad.status).toBe(400);
        expect(bad.body.detail).toBe('format must be json or markdown');
      });
    }

    it('the diff Markdown says who submitted, through which bot, why, the change ticket and the approvals so far', async () => {
      await t
        .http()
        .post('/v1/clusters/edge/configs')
        .set(bearer(bot))
        .set('x-acting-for', 'dora')
        .send({ config: { ...config, noProxy: ['.corp.example', 'registry.corp.example'] }, reason: 'Registry goes direct', changeTicket: 'CHG0099' })
        .expect(201);
      await t.http().post('/v1/clusters/edge/configs/2/decisions').set(bearer(abe)).send({ decision: 'approve', comment: 'fine' }).expect(201);
      await t.http().patch('/v1/clusters/edge').set(bearer(sam)).send({ requiredApprovals: 1 });
      const md = (await get('/v1/clusters/edge/configs/2/diff?format=markdown')).text;
      expect(chatProblems(md)).toEqual([]);
      for (const shown of [slackVisible(md), teamsVisible(md)]) {
        expect(shown).toContain('Submitted by dora via chatops at ');
        expect(shown).toContain('Reason: Registry goes direct');
        expect(shown).toContain('Change ticket: CHG0099');
        expect(shown).toContain('Approvals so far: 1 of 1 (abe)');
        expect(shown).toMatch(/abe approved at \S+: fine/);
        expect(shown).toContain('added registry.corp.example');
      }
    });
  });

  describe('query parameters a route does not know are 400 naming them', () => {
    it.each([
      ['/v1/clusters/edge/configs/1?format=markdown', 'format'],
      ['/v1/clusters/edge?format=markdown', 'format'],
      ['/v1/clusters?name=edge', 'name'],
      ['/v1/clusters/edge/configs?state=pending', 'state'],
      ['/v1/audit/verify?full=1', 'full'],
      ['/v1/audit?actions=config.approved', 'actions'],
      ['/v1/clusters/edge/configs/1/render?format=cli&download=1', 'download'],
    ])('GET %s', async (path, name) => {
      const res = await get(path);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('BAD_REQUEST');
      expect(res.body.detail).toContain(`Unknown query parameter "${name}"`);
      expect(res.body.invalidParams).toEqual([{ name, reason: 'unknown query parameter' }]);
    });

    it('says which parameters the route takes, and that JSON-only routes have no Markdown', async () => {
      const version = await get('/v1/clusters/edge/configs/1?format=markdown');
      expect(version.body.detail).toBe(
        'Unknown query parameter "format": this route takes no query parameters. It answers JSON only: Markdown is offered by the explain routes and the diff.',
      );
      const history = await get('/v1/clusters/edge/configs?state=pending');
      expect(history.body.detail).toBe('Unknown query parameter "state": this route takes "status", "limit", "cursor".');
    });

    it('POST routes too (/v1/validate?clusters= is a typo of cluster)', async () => {
      const res = await t.http().post('/v1/validate?clusters=edge').set(bearer(rita)).send(config);
      expect(res.status).toBe(400);
      expect(res.body.detail).toContain('Unknown query parameter "clusters": this route takes "cluster"');
      expect((await t.http().post('/v1/validate?cluster=edge').set(bearer(rita)).send(config)).status).toBe(200);
    });

    it('known parameters still work, and the operations routes accept cache-busting parameters', async () => {
      expect((await get('/v1/clusters?limit=1')).status).toBe(200);
      expect((await get('/v1/clusters/edge/configs?status=approved&limit=5')).status).toBe(200);
      expect((await t.http().get('/healthz?ts=1')).status).toBe(200);
      expect((await t.http().get('/metrics?ts=1')).status).toBe(200);
    });

    it('an unknown status or action filter value is 400', async () => {
      const status = await get('/v1/clusters/edge/configs?status=open');
      expect(status.status).toBe(400);
      expect(status.body.detail).toBe('status must be one of pending, approved, rejected, withdrawn, superseded');
      const action = await get('/v1/audit?action=config.approve');
      expect(action.status).toBe(400);
      expect(action.body.detail).toMatch(/^action must be one of cluster\.created, /);
      // Every action API.md names is accepted, also those no event has yet.
      expect((await get('/v1/audit?action=webhook.deleted')).body.items).toEqual([]);
      expect((await get('/v1/audit?action=config.approved')).body.items.length).toBeGreaterThan(0);
    });
  });

  describe('one message per field, the most useful one', () => {
    const submit = (body: unknown) => t.http().post('/v1/clusters/edge/configs').set(bearer(sam)).send(body as object);

    it('a missing reason: "reason is required", once', async () => {
      const res = await submit({ config });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('reason is required');
      expect(res.body.errors).toEqual(['reason is required']);
      expect(res.body.invalidParams).toEqual([{ name: 'reason', reason: 'reason is required' }]);
    });

    it.each([
      [42, 'reason must be a string'],
      ['', 'reason must not be empty'],
      ['   ', 'reason must not be blank: say why the change is needed'],
      ['x'.repeat(2001), 'reason must be shorter than or equal to 2000 characters'],
    ])('reason #%# gets only: %s', async (reason, message) => {
      const res = await submit({ config, reason });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([message]);
    });

    it('proxy fields at the top level: put the proxy config under `config`', async () => {
      const res = await submit({ httpProxy: 'http://p:3128/', noProxy: ['.corp'], reason: 'x' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.detail).toMatch(/^httpProxy, noProxy belong in the proxy config: put the proxy config under `config`/);
      expect(res.body.detail).not.toContain('should not exist');
    });

    it('an unknown field says which fields there are', async () => {
      const res = await submit({ config, reason: 'x', ticket: 'CHG1' });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('ticket is not a field here; the fields are config, revertTo, reason, changeTicket');
    });

    it('nested fields are named by their path, one message each', async () => {
      const res = await t
        .http()
        .post('/v1/clusters')
        .set(bearer(sam))
        .send({ name: 'c2', resourceGroup: 'rg', nodePools: [{ name: 'np', osType: 'Mac', type: 'VirtualMachineScaleSets' }] });
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.invalidParams[0].name).toBe('nodePools[0].osType');
      expect(res.body.errors[0]).toMatch(/^nodePools\[0\]\.osType /);
    });
  });

  describe('malformed JSON says where', () => {
    it('line, column and offset, without echoing the body', async () => {
      const body = '{\n  "reason": "secret-ish",\n  "config": {"httpProxy": "http://p:3128/",}\n}';
      const res = await t.http().post('/v1/clusters/edge/configs').set(bearer(sam)).set('content-type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('BAD_REQUEST');
      const offset = body.indexOf(',}') + 1;
      const column = offset - body.lastIndexOf('\n', offset);
      expect(body.split('\n')[2]![column - 1]).toBe('}');
      expect(res.body.detail).toBe(`The body is not valid JSON: at line 3, column ${column} (offset ${offset}), a comma before } (trailing commas are not JSON).`);
      expect(res.body.detail).not.toContain('secret-ish');
    });

    it.each([
      ['{"a": 1', 'line 1, column 8 (offset 7), an object is not closed (missing })'],
      ["{'a': 1}", 'line 1, column 2 (offset 1), expected a property name in double quotes'],
      ['{"a": tru}', 'line 1, column 7 (offset 6), expected a value but found an unexpected character'],
      ['{"a": 1}\n{"b": 2}', 'line 2, column 1 (offset 9), more follows after the JSON value'],
    ])('%j', async (body, where) => {
      const res = await t.http().post('/v1/validate').set(bearer(rita)).set('content-type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe(`The body is not valid JSON: at ${where}.`);
    });

    it('a __proto__ key is still refused as before', async () => {
      const res = await t.http().post('/v1/validate').set(bearer(rita)).set('content-type', 'application/json').send('{"__proto__": {"x": 1}}');
      expect(res.status).toBe(400);
      expect(res.body.detail).toContain('__proto__');
    });
  });

  describe('headers: ETag and If-None-Match, Location, Content-Location', () => {
    it('GET of a version answers with an ETag and honours If-None-Match (304, no body)', async () => {
      const first = await get('/v1/clusters/edge/configs/1');
      expect(first.status).toBe(200);
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"r\d+"$/);
      const again = await get('/v1/clusters/edge/configs/1').set('if-none-match', etag);
      expect(again.status).toBe(304);
      expect(again.text ?? '').toBe('');
      expect(again.headers['content-length'] ?? '0').toBe('0');
      expect(again.headers.etag).toBe(etag);
      expect((await get('/v1/clusters/edge/configs/1').set('if-none-match', `W/${etag}`)).status).toBe(304);
      expect((await get('/v1/clusters/edge/configs/latest').set('if-none-match', `"r0", ${etag}`)).status).toBe(304);
      const stale = await get('/v1/clusters/edge/configs/1').set('if-none-match', '"r0"');
      expect(stale.status).toBe(200);
      expect(stale.body.version).toBe(1);
    });

    it('GET of a cluster honours If-None-Match, and a change makes it answer 200 again', async () => {
      const first = await get('/v1/clusters/edge');
      const etag = first.headers.etag as string;
      const same = await get('/v1/clusters/edge').set('if-none-match', etag);
      expect(same.status).toBe(304);
      expect(same.text ?? '').toBe('');
      await t.http().patch('/v1/clusters/edge').set(bearer(sam)).send({ location: 'westeurope' }).expect(200);
      const changed = await get('/v1/clusters/edge').set('if-none-match', etag);
      expect(changed.status).toBe(200);
      expect(changed.headers.etag).not.toBe(etag);
      // The version's ETag moves with the cluster's revision too.
      expect((await get('/v1/clusters/edge/configs/1').set('if-none-match', etag)).status).toBe(200);
    });

    it("a decision's 201 has Location (the version's URL); an unchanged resubmission's 200 has Content-Location", async () => {
      await t.http().post('/v1/clusters').set(bearer(sam)).send({ name: 'loc', resourceGroup: 'rg' }).expect(201);
      const created = await t.http().post('/v1/clusters/loc/configs').set(bearer(sam)).send({ config, reason: 'r' });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe('/v1/clusters/loc/configs/1');
      const same = await t.http().post('/v1/clusters/loc/configs').set(bearer(sam)).send({ config, reason: 'again' });
      expect(same.status).toBe(200);
      expect(same.headers['content-location']).toBe('/v1/clusters/loc/configs/1');
      expect(same.headers.location).toBeUndefined();
      const decided = await t.http().post('/v1/clusters/loc/configs/latest/decisions').set(bearer(amy)).send({ decision: 'approve' });
      expect(decided.status).toBe(201);
      expect(decided.headers.location).toBe('/v1/clusters/loc/configs/1');
      // The version's URL answers with that version.
      expect((await get(decided.headers.location as string)).body.status).toBe('approved');
    });
  });
});
