import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { testCertificates } from './support/certificates';
import { serviceEntryProblems } from './support/istio-service-entry';
import { bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// API.md "Clusters" (addons, network.proxyAddresses), the findings ISTIO_SERVICE_ENTRY_NEEDED and
// MONITORING_TRUSTED_CA, and render format istio: a networking.istio.io/v1 ServiceEntry, checked against Istio's own
// CRD schema (test/fixtures/istio-service-entry-v1.schema.yaml).
describe(`Istio and monitoring add-ons (${DATABASE})`, () => {
  let t: TestApp;
  let alice: string; // submitter
  let bob: string; // approver
  let dave: string; // reader
  const certs = testCertificates();

  beforeAll(async () => {
    t = await startTestApp({ clock: { now: () => certs.now } });
    [alice, bob, dave] = await Promise.all([t.key('alice', ['submitter']), t.key('bob', ['approver']), t.key('dave', ['reader'])]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const createCluster = (body: object) => t.http().post('/v1/clusters').set(bearer(alice)).send(body);
  const patchCluster = (name: string, body: object) => t.http().patch(`/v1/clusters/${name}`).set(bearer(alice)).send(body);
  const getCluster = (name: string) => t.http().get(`/v1/clusters/${name}`).set(bearer(dave));
  const render = (name: string, v: number | string, format = 'istio') => t.http().get(`/v1/clusters/${name}/configs/${v}/render?format=${format}`).set(bearer(dave));
  const validate = (body: object, cluster?: string) =>
    t.http().post(`/v1/validate${cluster ? `?cluster=${cluster}` : ''}`).set(bearer(dave)).send(body);

  /** Submits (alice) and approves (bob) a config; returns the submission's answer and the version number. */
  async function approved(cluster: string, config: object) {
    const submitted = await t.http().post(`/v1/clusters/${cluster}/configs`).set(bearer(alice)).send({ config, reason: 'proxy change' });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const v = submitted.body.version as number;
    const decided = await t.http().post(`/v1/clusters/${cluster}/configs/${v}/decisions`).set(bearer(bob)).send({ decision: 'approve', comment: 'ok' });
    expect(decided.status).toBe(201);
    expect(decided.body.status).toBe('approved');
    return { submitted, v };
  }

  /** Renders format istio, checks the answer is YAML that Istio's CRD schema accepts, and returns it parsed. */
  async function serviceEntry(cluster: string, v: number | string) {
    const res = await render(cluster, v);
    expect(res.status, res.text).toBe(200);
    expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8');
    const doc = parse(res.text);
    expect(serviceEntryProblems(doc)).toEqual([]);
    expect(Object.keys(doc)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(doc).toMatchObject({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'aks-http-proxy' } });
    expect(Object.keys(doc.spec)).toEqual(['hosts', 'addresses', 'ports', 'location', 'resolution']);
    expect(doc.spec).toMatchObject({ location: 'MESH_EXTERNAL', resolution: 'NONE' });
    return { doc, text: res.text };
  }

  const codes = (findings: Array<{ code: string }>) => findings.map((f) => f.code);

  describe('cluster addons and network.proxyAddresses', () => {
    it('are stored and returned; addons default to both false', async () => {
      const created = await createCluster({
        name: 'mesh',
        resourceGroup: 'rg-mesh',
        addons: { istio: true, monitoring: true },
        network: { serviceCidr: '10.0.0.0/16', proxyAddresses: ['10.50.0.4', 'FD00:50:0:0:0:0:0:4'] },
      });
      expect(created.status).toBe(201);
      expect(created.body.addons).toEqual({ istio: true, monitoring: true });
      // IPv6 kept in canonical (RFC 5952) form
      expect(created.body.network).toEqual({ serviceCidr: '10.0.0.0/16', proxyAddresses: ['10.50.0.4', 'fd00:50::4'] });
      const got = await getCluster('mesh');
      expect(got.body.addons).toEqual({ istio: true, monitoring: true });
      expect(got.body.network.proxyAddresses).toEqual(['10.50.0.4', 'fd00:50::4']);

      const plain = await createCluster({ name: 'plain', resourceGroup: 'rg-plain' });
      expect(plain.status).toBe(201);
      expect(plain.body.addons).toEqual({ istio: false, monitoring: false });
      const half = await createCluster({ name: 'half', resourceGroup: 'rg', addons: { monitoring: true } });
      expect(half.body.addons).toEqual({ istio: false, monitoring: true });
    });

    it('PATCH changes one add-on and leaves the other as it is, audited as cluster.updated', async () => {
      const res = await patchCluster('half', { addons: { istio: true } });
      expect(res.status).toBe(200);
      expect(res.body.addons).toEqual({ istio: true, monitoring: true });
      expect(res.headers.etag).toBe('"r2"');
      const off = await patchCluster('half', { addons: { monitoring: false } });
      expect(off.body.addons).toEqual({ istio: true, monitoring: false });
      const same = await patchCluster('half', { addons: { istio: true } }); // no change: no new revision
      expect(same.headers.etag).toBe('"r3"');
      const audit = await t.http().get('/v1/audit?cluster=half&action=cluster.updated').set(bearer(dave));
      expect(audit.body.items.map((e: { details: { changed: string[]; after: object } }) => [e.details.changed, e.details.after])).toEqual([
        [['addons'], { addons: { istio: true, monitoring: true } }],
        [['addons'], { addons: { istio: true, monitoring: false } }],
      ]);
    });

    it.each([
      ['addons of the wrong type', { addons: true }, /addons must be an object/],
      ['addons as a list', { addons: [true] }, /addons must be an object/],
      ['a non-boolean add-on', { addons: { istio: 'yes' } }, /addons\.istio must be true or false/],
      ['a number for an add-on', { addons: { istio: true, monitoring: 1 } }, /addons\.monitoring must be true or false/],
      ['null for an add-on', { addons: { istio: null } }, /addons\.istio must be true or false/],
      ['an unknown add-on', { addons: { linkerd: true } }, /linkerd/],
      ['a host name in proxyAddresses', { network: { proxyAddresses: ['10.50.0.4', 'proxy.corp.example'] } }, /network\.proxyAddresses must hold IP addresses.*"proxy\.corp\.example" is not one/],
      ['a CIDR in proxyAddresses', { network: { proxyAddresses: ['10.50.0.0/24'] } }, /"10\.50\.0\.0\/24" is not one/],
      ['an IPv6 zone in proxyAddresses', { network: { proxyAddresses: ['fe80::1%eth0'] } }, /is not one/],
      ['a short-form IPv4 in proxyAddresses', { network: { proxyAddresses: ['10.1'] } }, /"10\.1" is not one/],
      ['a number in proxyAddresses', { network: { proxyAddresses: [167772161] } }, /a number is not one/],
      ['proxyAddresses as one string', { network: { proxyAddresses: '10.50.0.4' } }, /network\.proxyAddresses must be an array/],
      ['17 proxyAddresses', { network: { proxyAddresses: Array.from({ length: 17 }, (_, i) => `10.50.0.${i + 1}`) } }, /network\.proxyAddresses holds at most 16/],
      ['the same address twice', { network: { proxyAddresses: ['fd00::4', 'FD00:0::4'] } }, /network\.proxyAddresses must not list the same IP address twice/],
    ])('400 BAD_REQUEST for %s, on create and on PATCH, and nothing is stored', async (_what, body, message) => {
      const created = await createCluster({ name: 'bad', resourceGroup: 'rg', ...body });
      expect(created.status).toBe(400);
      expect(created.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(created.body.code).toBe('BAD_REQUEST');
      expect(created.body.detail).toMatch(message);
      expect(created.body.detail).not.toMatch(/addons\.addons|network\.network/);
      expect((await getCluster('bad')).status).toBe(404);

      const before = await getCluster('mesh');
      const patched = await patchCluster('mesh', body);
      expect(patched.status).toBe(400);
      expect(patched.body.code).toBe('BAD_REQUEST');
      expect(patched.body.detail).toMatch(message);
      const after = await getCluster('mesh');
      expect(after.body).toEqual(before.body);
    });

    it('exactly 16 proxyAddresses are fine; PATCH addons: null is refused', async () => {
      const sixteen = Array.from({ length: 16 }, (_, i) => `10.50.1.${i + 1}`);
      const res = await createCluster({ name: 'sixteen', resourceGroup: 'rg', network: { proxyAddresses: sixteen } });
      expect(res.status).toBe(201);
      expect(res.body.network.proxyAddresses).toEqual(sixteen);
      const cleared = await patchCluster('sixteen', { addons: null });
      expect(cleared.status).toBe(400);
      expect(cleared.body.detail).toMatch(/addons must be an object/);
    });
  });

  describe('findings', () => {
    const config = { httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['.corp.example'] };

    it('POST /v1/validate?cluster= warns ISTIO_SERVICE_ENTRY_NEEDED on an Istio cluster only', async () => {
      const mesh = await validate(config, 'half'); // istio: true, monitoring: false
      expect(mesh.status).toBe(200);
      expect(mesh.body.valid).toBe(true);
      const istio = mesh.body.findings.filter((f: { code: string }) => f.code === 'ISTIO_SERVICE_ENTRY_NEEDED');
      expect(istio).toEqual([expect.objectContaining({ severity: 'warning', pointer: '' })]);
      expect(istio[0].message).toMatch(/ServiceEntry/);
      // a host-name proxy and no proxyAddresses on that cluster: the finding says what to add
      expect(istio[0].message).toMatch(/network\.proxyAddresses/);
      expect(codes((await validate(config, 'plain')).body.findings)).not.toContain('ISTIO_SERVICE_ENTRY_NEEDED');
      expect(codes((await validate(config)).body.findings)).not.toContain('ISTIO_SERVICE_ENTRY_NEEDED');
    });

    it('MONITORING_TRUSTED_CA with the monitoring add-on and a trustedCa, at the trustedCa key; not without trustedCa', async () => {
      await patchCluster('plain', { addons: { monitoring: true } });
      const withCa = await validate({ ...config, trustedCA: certs.caBase64 }, 'plain');
      expect(withCa.body.valid).toBe(true);
      expect(withCa.body.findings.filter((f: { code: string }) => f.code === 'MONITORING_TRUSTED_CA')).toEqual([
        expect.objectContaining({ severity: 'warning', pointer: '/trustedCA' }),
      ]);
      expect(codes((await validate(config, 'plain')).body.findings)).not.toContain('MONITORING_TRUSTED_CA');
      await patchCluster('plain', { addons: { monitoring: false } });
      expect(codes((await validate({ ...config, trustedCa: certs.caBase64 }, 'plain')).body.findings)).not.toContain('MONITORING_TRUSTED_CA');
    });

    it('a submission to a cluster with both add-ons carries both warnings and is stored', async () => {
      const { submitted } = await approved('mesh', { ...config, trustedCa: certs.bundleBase64 });
      expect(codes(submitted.body.findings)).toEqual(expect.arrayContaining(['ISTIO_SERVICE_ENTRY_NEEDED', 'MONITORING_TRUSTED_CA']));
      const stored = await t.http().get('/v1/clusters/mesh/configs/1').set(bearer(dave));
      expect(codes(stored.body.findings)).toEqual(expect.arrayContaining(['ISTIO_SERVICE_ENTRY_NEEDED', 'MONITORING_TRUSTED_CA']));
    });
  });

  describe('render format istio', () => {
    it('host-name proxy with proxyAddresses: hosts the proxy name, addresses /32 and /128 from the cluster, byte-identical', async () => {
      const { doc, text } = await serviceEntry('mesh', 1);
      expect(doc.spec).toEqual({
        hosts: ['proxy.corp.example'],
        addresses: ['10.50.0.4/32', 'fd00:50::4/128'],
        ports: [{ number: 3128, name: 'tcp-3128', protocol: 'TCP' }],
        location: 'MESH_EXTERNAL',
        resolution: 'NONE',
      });
      const again = await render('mesh', 'current');
      expect(Buffer.from(again.text)).toEqual(Buffer.from(text));
      // the CA bundle and noProxy belong to the nodes, not to the ServiceEntry
      expect(text).not.toContain('- .corp.example');
      expect(text).not.toMatch(/LS0t|trustedCa/); // LS0t: base64 of "---", how every trustedCa starts
      const audit = await t.http().get('/v1/audit?cluster=mesh&action=config.rendered').set(bearer(dave));
      expect(audit.body.items.map((e: { details: { format: string } }) => e.details.format)).toEqual(['istio', 'istio']);
    });

    it('host-name proxy without proxyAddresses: 409 RENDER_UNSUPPORTED saying what to add, not audited; with them: 200', async () => {
      await createCluster({ name: 'named', resourceGroup: 'rg', addons: { istio: true } });
      const { v } = await approved('named', { httpProxy: 'http://proxy.corp.example:8080/', httpsProxy: 'https://proxy.corp.example:8443/' });
      const refused = await render('named', v);
      expect(refused.status).toBe(409);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body.code).toBe('RENDER_UNSUPPORTED');
      expect(refused.body.detail).toMatch(/proxy\.corp\.example/);
      expect(refused.body.detail).toMatch(/network\.proxyAddresses/);
      const audit = await t.http().get('/v1/audit?cluster=named&action=config.rendered').set(bearer(dave));
      expect(audit.body.items).toEqual([]);
      // the other formats are not affected
      expect((await render('named', v, 'cli')).status).toBe(200);

      await patchCluster('named', { network: { proxyAddresses: ['10.60.0.10', '10.60.0.11'] } });
      const { doc } = await serviceEntry('named', v);
      // an http proxy and an https proxy on different ports: each port once, as TCP
      expect(doc.spec).toMatchObject({
        hosts: ['proxy.corp.example'],
        addresses: ['10.60.0.10/32', '10.60.0.11/32'],
        ports: [
          { number: 8080, name: 'tcp-8080', protocol: 'TCP' },
          { number: 8443, name: 'tcp-8443', protocol: 'TCP' },
        ],
      });
    });

    it('IPv4 proxies, HTTP and HTTPS on different ports: the placeholder host, one /32, both ports', async () => {
      await createCluster({ name: 'v4', resourceGroup: 'rg', addons: { istio: true } });
      const { v } = await approved('v4', { httpProxy: 'http://10.50.0.4:3128', httpsProxy: 'http://10.50.0.4:3129' });
      const { doc } = await serviceEntry('v4', v);
      expect(doc.spec).toEqual({
        hosts: ['aks-http-proxy.local'],
        addresses: ['10.50.0.4/32'],
        ports: [
          { number: 3128, name: 'tcp-3128', protocol: 'TCP' },
          { number: 3129, name: 'tcp-3129', protocol: 'TCP' },
        ],
        location: 'MESH_EXTERNAL',
        resolution: 'NONE',
      });
    });

    it('IPv6 proxies: /128, and a URL without a port gets the default port of its scheme', async () => {
      await createCluster({ name: 'v6', resourceGroup: 'rg', addons: { istio: true } });
      const { v } = await approved('v6', { httpProxy: 'http://[fd00:60::9]', httpsProxy: 'http://[2001:db8:0:0::7]:3128/' });
      const { doc } = await serviceEntry('v6', v);
      expect(doc.spec.hosts).toEqual(['aks-http-proxy.local']);
      expect(doc.spec.addresses).toEqual(['fd00:60::9/128', '2001:db8::7/128']);
      expect(doc.spec.ports).toEqual([
        { number: 80, name: 'tcp-80', protocol: 'TCP' },
        { number: 3128, name: 'tcp-3128', protocol: 'TCP' },
      ]);
    });

    it('a version that turns the proxy off (enabled: false): 409 RENDER_UNSUPPORTED, and no add-on warnings', async () => {
      const { submitted, v } = await approved('v4', { httpProxy: 'http://10.50.0.4:3128', httpsProxy: 'http://10.50.0.4:3129', enabled: false });
      expect(codes(submitted.body.findings)).toContain('PROXY_DISABLED');
      expect(codes(submitted.body.findings)).not.toContain('ISTIO_SERVICE_ENTRY_NEEDED');
      const res = await render('v4', v);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('RENDER_UNSUPPORTED');
      expect(res.body.detail).toMatch(/enabled: false/);
      expect((await render('v4', v, 'az')).status).toBe(200);
    });

    it('a version that is not approved is 409 NOT_APPROVED; the format is in the route\'s enum', async () => {
      const pending = await t.http().post('/v1/clusters/v4/configs').set(bearer(alice)).send({ config: { httpProxy: 'http://10.50.0.5:3128' }, reason: 'r' });
      expect(pending.status).toBe(201);
      const res = await render('v4', pending.body.version);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('NOT_APPROVED');
      const bad = await render('v4', 1, 'helm');
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toMatch(/istio/);
      const openapi = await t.http().get('/openapi.json');
      const params = openapi.body.paths['/v1/clusters/{name}/configs/{v}/render'].get.parameters;
      expect(params.find((p: { name: string }) => p.name === 'format').schema.enum).toContain('istio');
    });
  });

  describe('diff', () => {
    it('when the proxy endpoint moves on an Istio cluster: impact says the ServiceEntry changes first, the Markdown in one line', async () => {
      // v2 of "mesh" moves the proxy to another host and port
      const { v } = await approved('mesh', { httpProxy: 'http://proxy2.corp.example:8080/', noProxy: ['.corp.example'], trustedCa: certs.bundleBase64 });
      const diff = await t.http().get(`/v1/clusters/mesh/configs/${v}/diff?against=1`).set(bearer(dave));
      expect(diff.status).toBe(200);
      const istio = diff.body.impact.filter((f: { code: string }) => f.code === 'ISTIO_SERVICE_ENTRY_NEEDED');
      expect(istio).toHaveLength(1);
      expect(istio[0].message).toMatch(/proxy\.corp\.example:3128 to proxy2\.corp\.example:8080\): the ServiceEntry must change first/);
      expect(codes(diff.body.impact)).toEqual(expect.arrayContaining(['UPDATE_REIMAGES_NODES', 'PROXY_ENDPOINT_CHANGED']));
      // trustedCa was there before: this change does not newly break the monitoring add-on's alerts
      expect(codes(diff.body.impact)).not.toContain('MONITORING_TRUSTED_CA');
      // v1 brought the trusted CA to a cluster with the monitoring add-on: its diff from nothing says so
      const first = await t.http().get('/v1/clusters/mesh/configs/1/diff?against=previous').set(bearer(dave));
      expect(first.body.from).toBeNull();
      expect(first.body.impact.filter((f: { code: string }) => f.code === 'MONITORING_TRUSTED_CA')).toEqual([
        expect.objectContaining({ severity: 'warning', pointer: '/trustedCa' }),
      ]);
      expect(codes(first.body.impact)).toContain('ISTIO_SERVICE_ENTRY_NEEDED');

      const md = await t.http().get(`/v1/clusters/mesh/configs/${v}/diff?against=1&format=markdown`).set(bearer(dave));
      expect(md.status).toBe(200);
      expect(md.headers['content-type']).toMatch(/^text\/markdown/);
      const lines = md.text.split('\n').filter((l) => /ServiceEntry first/.test(l));
      expect(lines).toEqual([`⚠️ Istio add-on: change the ServiceEntry first: apply the \`istio\` rendering of v${v} before this config.`]);
    });

    it('no such line when the endpoint stays the same, or on a cluster without Istio', async () => {
      const { v } = await approved('mesh', { httpProxy: 'http://proxy2.corp.example:8080/', noProxy: ['.corp.example', '.svc'], trustedCa: certs.bundleBase64 });
      const diff = await t.http().get(`/v1/clusters/mesh/configs/${v}/diff?against=previous`).set(bearer(dave));
      expect(codes(diff.body.impact)).toEqual(['UPDATE_REIMAGES_NODES']);
      const md = await t.http().get(`/v1/clusters/mesh/configs/${v}/diff?against=previous&format=markdown`).set(bearer(dave));
      expect(md.text).not.toMatch(/ServiceEntry/);
      await createCluster({ name: 'nomesh', resourceGroup: 'rg' });
      await approved('nomesh', { httpProxy: 'http://10.0.0.1:3128' });
      const { v: v2 } = await approved('nomesh', { httpProxy: 'http://10.0.0.2:3128' });
      const plain = await t.http().get(`/v1/clusters/nomesh/configs/${v2}/diff?format=markdown&against=1`).set(bearer(dave));
      expect(plain.text).toMatch(/PROXY_ENDPOINT_CHANGED/);
      expect(plain.text).not.toMatch(/ServiceEntry/);
    });
  });
});
