import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// ../shared/API.md "Explain": which client goes through which proxy for a URL, with what AKS injects.
describe(`explain (${DATABASE})`, () => {
  let t: TestApp;
  let reader: string;
  const config = {
    httpProxy: 'http://proxy.corp.example:3128/',
    noProxy: ['.corp.example', '10.0.0.0/8', 'registry.corp.example:5000'],
  };

  beforeAll(async () => {
    t = await startTestApp();
    const submitter = await t.key('sam', ['submitter']);
    const approver = await t.key('abe', ['approver']);
    reader = await t.key('rita', ['reader']);
    await t
      .http()
      .post('/v1/clusters')
      .set(bearer(submitter))
      .send({ name: 'net', resourceGroup: 'rg', network: { serviceCidr: '172.16.0.0/16', apiServerFqdn: 'net-dns.hcp.westeurope.azmk8s.io' } })
      .expect(201);
    await t.http().post('/v1/clusters/net/configs').set(bearer(submitter)).send({ config, reason: 'r' }).expect(201);
    await t.http().post('/v1/clusters/net/configs/1/decisions').set(bearer(approver)).send({ decision: 'approve' }).expect(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('POST /v1/explain answers per client, with the effective NO_PROXY AKS injects', async () => {
    const res = await t
      .http()
      .post('/v1/explain')
      .set(bearer(reader))
      .send({ config, urls: ['https://mcr.microsoft.com/v2/', 'http://corp.example/', 'http://10.1.2.3/', 'http://169.254.169.254/metadata'] });
    expect(res.status).toBe(200);
    expect(res.body.effectiveNoProxy).toEqual(expect.arrayContaining(['.corp.example', 'localhost', '127.0.0.1', '169.254.169.254', '168.63.129.16', 'konnectivity']));
    const [mcr, apex, ip, imds] = res.body.results;
    for (const client of ['go', 'curl', 'python-urllib', 'python-requests', 'node-undici', 'ruby']) {
      // no httpsProxy: AKS injects HTTPS_PROXY = httpProxy, so every client proxies mcr
      expect(mcr.clients[client].proxy).toBe('http://proxy.corp.example:3128/');
      expect(typeof mcr.clients[client].reason).toBe('string');
      // IMDS is added by AKS: everyone goes direct
      expect(imds.clients[client].proxy).toBeNull();
    }
    // ".corp.example": subdomains only for Go and Ruby, apex too for the others
    expect(apex.clients.go.proxy).not.toBeNull();
    expect(apex.clients.ruby.proxy).not.toBeNull();
    expect(apex.clients.curl.proxy).toBeNull();
    expect(apex.clients['python-requests'].proxy).toBeNull();
    expect(apex.clients.curl.reason).toContain('.corp.example');
    // CIDR: Go, curl and requests honour it; urllib and undici do not
    expect(ip.clients.go.proxy).toBeNull();
    expect(ip.clients.curl.proxy).toBeNull();
    expect(ip.clients['python-urllib'].proxy).not.toBeNull();
    expect(ip.clients['node-undici'].proxy).not.toBeNull();
  });

  it('POST /v1/explain explains the noProxy entries as written, also those validation refuses, and keeps the findings', async () => {
    const written = { httpProxy: 'http://proxy.corp.example:3128', noProxy: ['*.svc.example', '[fd02::1]', 'Build.Corp.Example'] };
    const res = await t.http().post('/v1/explain').set(bearer(reader)).send({ config: written, urls: ['http://a.svc.example/'] });
    expect(res.status).toBe(200);
    expect(res.body.effectiveNoProxy.slice(0, 3)).toEqual(['*.svc.example', '[fd02::1]', 'Build.Corp.Example']);
    const go = res.body.results[0].clients.go;
    expect(go.proxy).toBeNull();
    expect(go.reason).toContain('"*.svc.example"');
    expect(res.body.results[0].clients.curl.proxy).toBe('http://proxy.corp.example:3128');
    const refused = res.body.findings.filter((f: { severity: string; pointer: string }) => f.severity === 'error').map((f: { pointer: string }) => f.pointer);
    expect(refused).toEqual(expect.arrayContaining(['/noProxy/0', '/noProxy/1']));
  });

  it('with a cluster, its network joins NO_PROXY', async () => {
    const res = await t
      .http()
      .post('/v1/explain')
      .set(bearer(reader))
      .send({ config, urls: ['https://net-dns.hcp.westeurope.azmk8s.io/api'], cluster: 'net' });
    expect(res.status).toBe(200);
    expect(res.body.effectiveNoProxy).toEqual(expect.arrayContaining(['net-dns.hcp.westeurope.azmk8s.io', '172.16.0.0/16']));
    expect(res.body.results[0].clients.go.proxy).toBeNull();
  });

  it('an invalid URL is explained as invalid, not a 500; a bad body is 400; an unknown cluster 404', async () => {
    const res = await t.http().post('/v1/explain').set(bearer(reader)).send({ config, urls: ['not a url'] });
    expect(res.status).toBe(200);
    // An invalid URL is an error with no clients: none may read as "direct" (proxy: null).
    expect(res.body.results[0]).toEqual({ url: 'not a url', error: expect.stringMatching(/^invalid URL: /) });
    expect((await t.http().post('/v1/explain').set(bearer(reader)).send({ config, urls: [] })).status).toBe(400);
    expect((await t.http().post('/v1/explain').set(bearer(reader)).send({ urls: ['http://x/'] })).status).toBe(400);
    const unknown = await t.http().post('/v1/explain').set(bearer(reader)).send({ config, urls: ['http://x/'], cluster: 'nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('CLUSTER_NOT_FOUND');
  });

  it('GET .../configs/{v}/explain explains a stored version for repeated ?url=, as JSON or Markdown', async () => {
    const res = await t
      .http()
      .get('/v1/clusters/net/configs/current/explain?url=https%3A%2F%2Fmcr.microsoft.com%2Fv2%2F&url=http%3A%2F%2Fapi.corp.example%2F')
      .set(bearer(reader));
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { url: string }) => r.url)).toEqual(['https://mcr.microsoft.com/v2/', 'http://api.corp.example/']);
    expect(res.body.results[1].clients.go.proxy).toBeNull();
    expect(res.body.effectiveNoProxy).toContain('172.16.0.0/16');
    const md = await t.http().get('/v1/clusters/net/configs/1/explain?url=http%3A%2F%2Fapi.corp.example%2F&format=markdown').set(bearer(reader));
    expect(md.headers['content-type']).toMatch(/^text\/markdown/);
    expect(md.text).toContain('api.corp.example');
    expect(md.text).toContain('- Go: ');
    expect((await t.http().get('/v1/clusters/net/configs/1/explain').set(bearer(reader))).status).toBe(400);
  });
});
