import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertificates } from './support/certificates';
import { bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// ../shared/API.md "POST /v1/validate[?cluster=NAME] (reader)".
describe(`POST /v1/validate (${DATABASE})`, () => {
  let t: TestApp;
  let reader: string;
  let submitter: string;
  const certs = testCertificates();
  const validate = (body: unknown, query = '') =>
    t.http().post(`/v1/validate${query}`).set(bearer(reader)).set('content-type', 'application/json').send(JSON.stringify(body));
  const codes = (res: { body: { findings: { code: string }[] } }) => res.body.findings.map((f) => f.code);

  beforeAll(async () => {
    t = await startTestApp({ clock: { now: () => certs.now } });
    reader = await t.key('reader', ['reader']);
    submitter = await t.key('sub', ['submitter']);
    const approver = await t.key('app', ['approver']);
    const pools = {
      win: [
        { name: 'sys', osType: 'Linux', type: 'VirtualMachineScaleSets' },
        { name: 'win1', osType: 'Windows', type: 'VirtualMachineScaleSets' },
      ],
      vmas: [{ name: 'legacy', osType: 'Linux', type: 'AvailabilitySet' }],
      live: [{ name: 'sys', osType: 'Linux', type: 'VirtualMachineScaleSets' }],
    };
    for (const [name, nodePools] of Object.entries(pools)) {
      await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name, resourceGroup: 'rg', nodePools }).expect(201);
    }
    await t.http().post('/v1/clusters/live/configs').set(bearer(submitter)).send({ config: { httpProxy: 'http://old.corp:3128' }, reason: 'r' }).expect(201);
    await t.http().post('/v1/clusters/live/configs/1/decisions').set(bearer(approver)).send({ decision: 'approve' }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a valid config: 200 with valid, findings, normalized and certificate descriptions', async () => {
    const res = await validate({
      httpProxy: 'HTTP://Proxy.Corp.Example:3128',
      noProxy: [' .Corp.Example ', '10.0.0.0/8', 'localhost'],
      trustedCa: certs.caBase64,
    });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(true);
    expect(res.body.normalized).toMatchObject({ httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['.corp.example', '10.0.0.0/8', 'localhost'].sort() });
    expect(codes(res)).toEqual(expect.arrayContaining(['HTTPS_PROXY_DEFAULTED', 'NO_PROXY_CIDR', 'NO_PROXY_LEADING_DOT', 'NO_PROXY_REDUNDANT']));
    for (const f of res.body.findings) {
      expect(f).toEqual({ code: expect.any(String), severity: expect.stringMatching(/^(error|warning|info)$/), pointer: expect.any(String), message: expect.any(String) });
    }
    expect(res.body.certificates).toHaveLength(1);
    expect(res.body.certificates[0]).toMatchObject({
      subject: expect.any(String),
      issuer: expect.any(String),
      serialNumber: expect.any(String),
      notBefore: expect.any(String),
      notAfter: expect.any(String),
      sha256Fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      subjectAltNames: expect.any(Array),
      isCA: true,
      keyAlgorithm: expect.any(String),
      signatureAlgorithm: expect.any(String),
    });
  });

  it('an invalid config is still 200, valid false, every problem reported with a pointer', async () => {
    const res = await validate({ httpProxyConfig: { httpProxy: 'ftp://proxy', noProxy: ['*.corp.example', 'svc.cluster.local.'], trustedCertificate: 'x' } });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(codes(res)).toEqual(expect.arrayContaining(['CONFIG_WRAPPED', 'PROXY_URL_SCHEME', 'NO_PROXY_WILDCARD', 'NO_PROXY_TRAILING_DOT', 'UNKNOWN_FIELD']));
    const wildcard = res.body.findings.find((f: { code: string }) => f.code === 'NO_PROXY_WILDCARD');
    expect(wildcard.pointer).toBe('/httpProxyConfig/noProxy/0');
  });

  it.each([['[1,2]'], ['"text"'], ['42'], ['null']])('a body that is not an object (%s) is 400 BAD_REQUEST', async (raw) => {
    const res = await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'application/json').send(raw);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BAD_REQUEST');
  });

  it('?cluster= applies the cluster rules: Windows and Availability Set node pools are errors', async () => {
    const win = await validate({ httpProxy: 'http://p.corp:3128' }, '?cluster=win');
    expect(win.body.valid).toBe(false);
    expect(codes(win)).toContain('CLUSTER_WINDOWS_NODE_POOL');
    expect(win.body.findings.find((f: { code: string }) => f.code === 'CLUSTER_WINDOWS_NODE_POOL').message).toContain('win1');
    const vmas = await validate({ httpProxy: 'http://p.corp:3128' }, '?cluster=vmas');
    expect(codes(vmas)).toContain('CLUSTER_VMAS_NODE_POOL');
    const plain = await validate({ httpProxy: 'http://p.corp:3128' });
    expect(codes(plain)).not.toContain('CLUSTER_WINDOWS_NODE_POOL');
  });

  it('?cluster= warns that a change reimages the nodes and that a new proxy endpoint must be live', async () => {
    const changed = await validate({ httpProxy: 'http://new.corp:8080' }, '?cluster=live');
    expect(codes(changed)).toEqual(expect.arrayContaining(['UPDATE_REIMAGES_NODES', 'PROXY_ENDPOINT_CHANGED']));
    const same = await validate({ httpProxy: 'http://OLD.corp:3128/' }, '?cluster=live');
    expect(codes(same)).not.toContain('UPDATE_REIMAGES_NODES');
    const unknown = await validate({ httpProxy: 'http://p:1' }, '?cluster=nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('CLUSTER_NOT_FOUND');
    expect((await validate({}, '?cluster=bad%20name')).status).toBe(400);
  });

  it('answers bad query parameters and bodies with the same problems as every route (the pipes\' fast paths)', async () => {
    const problem = async (query: string, body: unknown, detail: string | RegExp) => {
      const res = await validate(body, query);
      expect(res.status, query).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
      expect(res.body.detail).toMatch(detail);
    };
    await problem('?cluster=bad%20name', {}, 'cluster must be a cluster name');
    await problem('?cluster=', {}, 'cluster must be a cluster name');
    await problem('?cluster=a&cluster=b', {}, 'cluster must be a single value, not an array');
    await problem('?foo=1', {}, /^Unknown query parameter "foo": this route takes "cluster"/);
    for (const body of [[], 'text', null, 42]) await problem('', body, /^The body must be a JSON object/);
    // no query at all, and a cluster name given in another case
    expect((await validate({ httpProxy: 'http://p.corp:3128' })).status).toBe(200);
    expect((await validate({ httpProxy: 'http://p.corp:3128' }, '?cluster=WIN')).body.findings.map((f: { code: string }) => f.code)).toContain('CLUSTER_WINDOWS_NODE_POOL');
  });

  it('a submission to a cluster with a Windows node pool is refused with the cluster finding', async () => {
    const res = await t.http().post('/v1/clusters/win/configs').set(bearer(submitter)).send({ config: { httpProxy: 'http://p.corp:3128' }, reason: 'r' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('CONFIG_INVALID');
    expect(codes(res)).toContain('CLUSTER_WINDOWS_NODE_POOL');
  });

  it('never answers 5xx, whatever JSON object arrives (property)', async () => {
    const field = fc.oneof(fc.string(), fc.jsonValue(), fc.array(fc.string()), fc.constant(certs.caBase64), fc.constant(certs.privateKeyPem));
    const key = fc.oneof(fc.constantFrom('httpProxy', 'HTTPSPROXY', 'noProxy', 'trustedCA', 'trustedCa', 'httpProxyConfig', 'properties', 'enabled'), fc.string());
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, field, { maxKeys: 6 }), async (body) => {
        const res = await validate(body);
        expect(res.status).toBeLessThan(500);
        if (res.status === 200) expect(typeof res.body.valid).toBe('boolean');
      }),
      { numRuns: 150 },
    );
  });
});
