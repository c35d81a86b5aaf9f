import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseService } from '../src/database/database.service';
import { testCertificates, toBase64 } from './support/certificates';
import { bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

// Issue 13 over HTTP: after approval. A pipeline renders, applies with az, and posts the `az aks show` output; the
// cluster then shows whether it holds the approved version. Also: enabled/disabled configs and their renderings,
// snake_case keys, `submitted`, blockers, the fleet CA report and the fleet gauges.

const DAY = 24 * 60 * 60 * 1000;

/** RFC 6901: the value at `pointer` in `doc`, or undefined. */
function resolvePointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** base64 wrapped at 76 columns, as `base64` (without -w0) writes it; nodes strip the newlines. */
const wrapped = (b64: string) => b64.replace(/(.{76})/g, '$1\n');

describe(`after approval: observations, drift, enabled, blockers, CA report, gauges (${DATABASE})`, () => {
  let t: TestApp;
  let alice: string; // submitter
  let bob: string; // approver
  let dave: string; // reader
  const certs = testCertificates();
  let nowMs = certs.now.getTime();
  const clock = { now: () => new Date(nowMs) };

  const FQDN = 'prod-dns-5f2a9c1e.hcp.westeurope.azmk8s.io';
  const NETWORK = { serviceCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16', nodeSubnetCidrs: ['10.224.0.0/16'] };
  /** What AKS adds to noProxy for this cluster, as `az aks show` lists it (AKS's own order). */
  const AKS_ADDED = ['konnectivity', FQDN, '10.224.0.0/16', 'localhost', '127.0.0.1', '169.254.169.254', '10.244.0.0/16', '10.0.0.0/16', '168.63.129.16'];
  const v1 = {
    httpProxy: 'http://proxy.corp.example:3128/',
    httpsProxy: 'http://proxy.corp.example:3128/',
    noProxy: ['.corp.example', 'mcr.microsoft.com', 'svc.cluster.local', 'localhost'],
    trustedCa: certs.bundleBase64,
  };

  /** The JSON of `az aks show -g rg-prod -n prod` (flat), as the Azure CLI prints it. */
  const azAksShow = (httpProxyConfig: unknown) => ({
    aadProfile: null,
    addonProfiles: null,
    agentPoolProfiles: [
      { name: 'system', count: 3, vmSize: 'Standard_D4ds_v5', osType: 'Linux', osSku: 'AzureLinux', type: 'VirtualMachineScaleSets', mode: 'System', provisioningState: 'Succeeded', powerState: { code: 'Running' } },
    ],
    apiServerAccessProfile: null,
    azurePortalFqdn: 'prod-dns-5f2a9c1e.portal.hcp.westeurope.azmk8s.io',
    dnsPrefix: 'prod-dns',
    fqdn: FQDN,
    httpProxyConfig,
    id: '/subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/prod',
    kubernetesVersion: '1.33.2',
    location: 'westeurope',
    name: 'prod',
    networkProfile: {
      dnsServiceIp: '10.0.0.10',
      ipFamilies: ['IPv4'],
      loadBalancerSku: 'standard',
      networkPlugin: 'azure',
      networkPluginMode: 'overlay',
      outboundType: 'userDefinedRouting',
      podCidr: '10.244.0.0/16',
      podCidrs: ['10.244.0.0/16'],
      serviceCidr: '10.0.0.0/16',
      serviceCidrs: ['10.0.0.0/16'],
    },
    nodeResourceGroup: 'MC_rg-prod_prod_westeurope',
    powerState: { code: 'Running' },
    privateFqdn: null,
    provisioningState: 'Succeeded',
    resourceGroup: 'rg-prod',
    sku: { name: 'Base', tier: 'Standard' },
    type: 'Microsoft.ContainerService/ManagedClusters',
  });

  /** The ARM REST shape of the same cluster (GET .../managedClusters/prod?api-version=2026-08-01). */
  const armResource = (httpProxyConfig: unknown) => {
    const { id, location, name, type, sku, ...properties } = azAksShow(httpProxyConfig) as Record<string, unknown>;
    delete properties.resourceGroup;
    return { id, location, name, type, sku, properties };
  };

  /** The cluster's httpProxyConfig as AKS shows it: the user's entries plus AKS's, mixed. */
  const liveConfig = (over: Record<string, unknown> = {}) => ({
    httpProxy: v1.httpProxy,
    httpsProxy: v1.httpsProxy,
    noProxy: ['konnectivity', 'mcr.microsoft.com', FQDN, '10.224.0.0/16', '.corp.example', 'localhost', '127.0.0.1', 'svc.cluster.local', '169.254.169.254', '10.244.0.0/16', '10.0.0.0/16', '168.63.129.16'],
    // the same bundle in another order, line-wrapped
    trustedCa: wrapped(toBase64(certs.intermediatePem + certs.ecPem + certs.caPem)),
    ...over,
  });

  beforeAll(async () => {
    t = await startTestApp({ clock });
    [alice, bob, dave] = await Promise.all([t.key('alice', ['submitter']), t.key('bob', ['approver']), t.key('dave', ['reader'])]);
    const created = await t
      .http()
      .post('/v1/clusters')
      .set(bearer(alice))
      .send({ name: 'prod', resourceGroup: 'rg-prod', nodePools: [{ name: 'system', osType: 'Linux', type: 'VirtualMachineScaleSets' }], network: NETWORK });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ deployment: null, blockers: [] });
  });
  afterAll(async () => {
    await t?.close();
  });

  const submit = (config: unknown, cluster = 'prod') =>
    t.http().post(`/v1/clusters/${cluster}/configs`).set(bearer(alice)).send({ config, reason: 'proxy change' });
  const approve = (v: number, cluster = 'prod') =>
    t.http().post(`/v1/clusters/${cluster}/configs/${v}/decisions`).set(bearer(bob)).send({ decision: 'approve', comment: 'ok' });
  const observe = (body: unknown, cluster = 'prod', token = alice) =>
    t.http().post(`/v1/clusters/${cluster}/observations`).set(bearer(token)).send(body as object);
  const renderOf = (v: number | string, format: string, cluster = 'prod') =>
    t.http().get(`/v1/clusters/${cluster}/configs/${v}/render?format=${format}`).set(bearer(dave));
  const cluster = (name = 'prod') => t.http().get(`/v1/clusters/${name}`).set(bearer(dave));

  describe('the everyday path: approve, render, apply, post the az aks show output', () => {
    it('v1 is approved and renders', async () => {
      expect((await submit(v1)).status).toBe(201);
      expect((await approve(1)).status).toBe(201);
      const cli = await renderOf(1, 'cli');
      expect(cli.status).toBe(200);
      expect(JSON.parse(cli.text)).not.toHaveProperty('enabled');
      const az = await renderOf(1, 'az');
      expect(az.text).toBe('az aks update --name prod --resource-group rg-prod --http-proxy-config aks-proxy-config.json\n');
    });

    it('the az aks show output right after applying: 201 in-sync with the version number; the cluster shows it', async () => {
      const before = await cluster();
      const res = await observe(azAksShow(liveConfig()));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ state: 'in-sync', version: 1, differences: [] });
      expect(res.body.observedAt).toBe(new Date(nowMs).toISOString());
      // what was compared: the user's entries only, AKS's taken away, certificates by fingerprint
      expect(res.body.observed.noProxy).toEqual(['.corp.example', 'mcr.microsoft.com', 'svc.cluster.local']);
      expect(res.body.observed.aksAdded).toEqual([...AKS_ADDED].sort());
      expect(res.body.observed.certificates).toHaveLength(3);
      expect(JSON.stringify(res.body)).not.toContain(certs.bundleBase64.slice(0, 60));

      const after = await cluster();
      expect(after.body.deployment).toEqual({ state: 'in-sync', version: 1, observedAt: res.body.observedAt });
      expect(after.body.blockers).toEqual([]);
      // observations move the cluster revision
      expect(after.body.revision).toBe(before.body.revision + 1);
      expect(after.headers.etag).toBe(`"r${after.body.revision}"`);
      expect(res.headers.etag).toBe(after.headers.etag);
    });

    it('is audited as cluster.observed with the state, in the chain', async () => {
      const audit = await t.http().get('/v1/audit?action=cluster.observed').set(bearer(dave));
      expect(audit.status).toBe(200);
      expect(audit.body.items).toHaveLength(1);
      expect(audit.body.items[0]).toMatchObject({ action: 'cluster.observed', cluster: 'prod', version: 1, actor: 'alice', details: { state: 'in-sync' } });
      const verify = await t.http().get('/v1/audit/verify').set(bearer(dave));
      expect(verify.body.ok).toBe(true);
    });

    it('reads the ARM REST shape (everything under properties) the same way', async () => {
      const res = await observe(armResource(liveConfig()));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ state: 'in-sync', version: 1, differences: [] });
    });

    it('reads {"httpProxyConfig": {...}} with the AKS entries of the stored network', async () => {
      const res = await observe({
        httpProxyConfig: { ...liveConfig(), noProxy: liveConfig().noProxy.filter((e) => e !== FQDN), trustedCa: certs.bundleBase64 },
      });
      expect(res.body).toMatchObject({ state: 'in-sync', version: 1 });
      // without the fqdn the document does not show, that entry is one the cluster holds and v1 does not
      const withFqdn = await observe({ httpProxyConfig: liveConfig() });
      expect(withFqdn.body.state).toBe('drifted');
      expect(withFqdn.body.differences).toEqual([expect.objectContaining({ code: 'DRIFT', pointer: '/noProxy' })]);
      expect(withFqdn.body.differences[0].message).toContain(FQDN);
    });

    it('a certificate swapped, an entry missing, an entry added, another proxy: drifted, one DRIFT per difference', async () => {
      const live = liveConfig({
        httpsProxy: 'http://proxy-b.corp.example:8080/',
        noProxy: [...liveConfig().noProxy.filter((e) => e !== 'mcr.microsoft.com'), 'legacy.corp.example'],
        trustedCa: toBase64(certs.caPem + certs.expiringPem + certs.intermediatePem),
      });
      const res = await observe(azAksShow(live));
      expect(res.status).toBe(201);
      expect(res.body.state).toBe('drifted');
      expect(res.body.version).toBe(1);
      const diffs = res.body.differences as { code: string; severity: string; pointer: string; message: string }[];
      expect(diffs.every((d) => d.code === 'DRIFT' && d.severity === 'warning')).toBe(true);
      // the approved (normalized) noProxy keeps the order it was submitted in
      const approved = (await t.http().get('/v1/clusters/prod/configs/1').set(bearer(dave))).body;
      const mcr = `/noProxy/${(approved.config.noProxy as string[]).indexOf('mcr.microsoft.com')}`;
      expect(diffs.map((d) => d.pointer).sort()).toEqual(['/httpsProxy', '/noProxy', mcr, '/trustedCa', '/trustedCa'].sort());
      // each pointer resolves into the approved config (entries only the cluster holds point at their list)
      for (const d of diffs) expect(resolvePointer(approved.config, d.pointer), d.pointer).toBeDefined();
      expect(resolvePointer(approved.config, mcr)).toBe('mcr.microsoft.com');
      // each says what the cluster holds and what was approved
      const proxy = diffs.find((d) => d.pointer === '/httpsProxy')!;
      expect(proxy.message).toContain('proxy-b.corp.example:8080');
      expect(proxy.message).toContain('http://proxy.corp.example:3128/');
      expect(diffs.find((d) => d.pointer === mcr)!.message).toMatch(/lacks "mcr\.microsoft\.com".*version 1 approved/);
      expect(diffs.find((d) => d.pointer === '/noProxy')!.message).toMatch(/holds "legacy\.corp\.example".*version 1 does not/);
      const ca = diffs.filter((d) => d.pointer === '/trustedCa').map((d) => d.message);
      expect(ca.some((m) => m.includes('Expiring CA') && m.includes('holds'))).toBe(true);
      expect(ca.some((m) => m.includes('EC CA') && m.includes('lacks'))).toBe(true);
      expect((await cluster()).body.deployment).toMatchObject({ state: 'drifted', version: 1 });
    });

    it('a cluster without a proxy ("httpProxyConfig": null) is not-configured', async () => {
      const res = await observe(azAksShow(null));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ state: 'not-configured', differences: [] });
      expect((await cluster()).body.deployment.state).toBe('not-configured');
    });

    it('a cluster without an approved version is no-approved-version', async () => {
      await t.http().post('/v1/clusters').set(bearer(alice)).send({ name: 'stage', resourceGroup: 'rg-stage' });
      const res = await observe(azAksShow(liveConfig()), 'stage');
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ state: 'no-approved-version', version: null, differences: [] });
      const stage = await cluster('stage');
      expect(stage.body.deployment).toMatchObject({ state: 'no-approved-version', version: null });
    });

    it('lists observations newest first, paginated with Link; readers read, readers cannot post', async () => {
      const all = await t.http().get('/v1/clusters/prod/observations').set(bearer(dave));
      expect(all.status).toBe(200);
      expect(all.body.items.map((o: { state: string }) => o.state)).toEqual(['not-configured', 'drifted', 'drifted', 'in-sync', 'in-sync', 'in-sync']);
      const first = await t.http().get('/v1/clusters/prod/observations?limit=2').set(bearer(dave));
      expect(first.body.items).toHaveLength(2);
      expect(first.headers.link).toContain('rel="next"');
      const second = await t.http().get(`/v1/clusters/prod/observations?limit=2&cursor=${first.body.nextCursor}`).set(bearer(dave));
      expect(second.body.items.map((o: { state: string }) => o.state)).toEqual(['drifted', 'in-sync']);
      const forbidden = await observe(azAksShow(liveConfig()), 'prod', dave);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.code).toBe('FORBIDDEN');
      const missing = await observe(azAksShow(liveConfig()), 'nope');
      expect(missing.status).toBe(404);
    });
  });

  describe('bad observations', () => {
    it('a body that is no az aks show output nor {httpProxyConfig} is 400 BAD_REQUEST, nothing stored', async () => {
      const before = await cluster();
      for (const body of [{ foo: 1 }, { name: 'prod', location: 'westeurope' }, [azAksShow(liveConfig())], { httpProxyConfig: 'http://proxy:3128' }, { httpProxyConfig: { noProxy: 'a,b' } }]) {
        const res = await observe(body);
        expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.code).toBe('BAD_REQUEST');
      }
      expect((await cluster()).body.revision).toBe(before.body.revision);
    });

    it('a 5 MB body is 413 PAYLOAD_TOO_LARGE', async () => {
      const huge = `{"httpProxyConfig":{"noProxy":["${'a'.repeat(5 * 1024 * 1024)}"]}}`;
      const res = await t.http().post('/v1/clusters/prod/observations').set(bearer(alice)).set('content-type', 'application/json').send(huge);
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('a private key in the observed trustedCa is never stored or echoed', async () => {
      const keyBody = certs.privateKeyPem.split('\n')[1]!; // a line of the key's base64
      const withKey = toBase64(certs.caPem + certs.privateKeyPem + certs.ecPem + certs.intermediatePem);
      const res = await observe(azAksShow(liveConfig({ trustedCa: withKey })));
      expect(res.status).toBe(201);
      expect(res.body.state).toBe('in-sync'); // the certificates are the approved ones
      for (const text of [res.text, (await t.http().get('/v1/clusters/prod/observations').set(bearer(dave))).text, (await t.http().get('/v1/audit').set(bearer(dave))).text]) {
        expect(text).not.toContain(keyBody);
        expect(text).not.toContain(withKey.slice(0, 80));
        expect(text).not.toContain('PRIVATE KEY');
      }
      const db = t.app.get(DatabaseService).prisma;
      const rows = await db.$queryRawUnsafe<{ text: string }[]>('SELECT observed::text || differences::text AS text FROM observations');
      for (const row of rows) {
        expect(row.text).not.toContain(keyBody);
        expect(row.text).not.toContain(withKey.slice(0, 80));
      }
    });
  });

  describe('enabled: turning the proxy off and back on', () => {
    it('v2 with enabled false: PROXY_DISABLED, the reimage warning, a change in the diff', async () => {
      const res = await submit({ ...v1, enabled: false });
      expect(res.status).toBe(201);
      expect(res.body.version).toBe(2);
      expect(res.body.config.enabled).toBe(false);
      const disabled = res.body.findings.find((f: { code: string }) => f.code === 'PROXY_DISABLED');
      expect(disabled).toMatchObject({ severity: 'warning', pointer: '/enabled' });
      const reimage = res.body.findings.find((f: { code: string }) => f.code === 'UPDATE_REIMAGES_NODES');
      expect(reimage.message).toMatch(/off/);
      const diff = await t.http().get('/v1/clusters/prod/configs/2/diff').set(bearer(dave));
      expect(diff.body).toMatchObject({ from: 1, to: 2, changed: true, changes: [{ op: 'add', path: '/enabled', value: false }] });
      expect(diff.body.impact.map((f: { code: string }) => f.code)).toContain('UPDATE_REIMAGES_NODES');
      expect(diff.body.summary).toContain('off');
      expect((await approve(2)).status).toBe(201);
    });

    it('renders: az --disable-http-proxy, cli/arm/bicep carry "enabled": false, terraform 409 RENDER_UNSUPPORTED', async () => {
      const az = await renderOf(2, 'az');
      expect(az.status).toBe(200);
      expect(az.text).toBe('az aks update --name prod --resource-group rg-prod --http-proxy-config aks-proxy-config.json --disable-http-proxy\n');
      expect(JSON.parse((await renderOf(2, 'cli')).text).enabled).toBe(false);
      expect(JSON.parse((await renderOf(2, 'arm')).text).properties.httpProxyConfig.enabled).toBe(false);
      expect((await renderOf(2, 'bicep')).text).toContain('    enabled: false\n');
      const tf = await renderOf(2, 'terraform');
      expect(tf.status).toBe(409);
      expect(tf.headers['content-type']).toContain('application/problem+json');
      expect(tf.body.code).toBe('RENDER_UNSUPPORTED');
      expect(tf.body.detail).toMatch(/azurerm/);
    });

    it('explain of the disabled version: AKS injects no proxy variables, every client goes direct', async () => {
      const res = await t.http().get(`/v1/clusters/prod/configs/2/explain?url=${encodeURIComponent('https://login.microsoftonline.com/')}`).set(bearer(dave));
      expect(res.status).toBe(200);
      for (const verdict of Object.values(res.body.results[0].clients) as { proxy: string | null }[]) expect(verdict.proxy).toBeNull();
      const v1Explain = await t.http().get(`/v1/clusters/prod/configs/1/explain?url=${encodeURIComponent('https://login.microsoftonline.com/')}`).set(bearer(dave));
      expect(v1Explain.body.results[0].clients.go.proxy).toBe('http://proxy.corp.example:3128/');
    });

    it('the cluster holding it disabled is in-sync with v2; on is a drift at /enabled', async () => {
      const off = await observe(azAksShow(liveConfig({ enabled: false })));
      expect(off.body).toMatchObject({ state: 'in-sync', version: 2 });
      const on = await observe(azAksShow(liveConfig()));
      expect(on.body.state).toBe('drifted');
      expect(on.body.differences).toEqual([expect.objectContaining({ code: 'DRIFT', pointer: '/enabled' })]);
    });

    it('v3 with enabled true is v1 again (same content hash, no enabled key); az adds --enable-http-proxy after a disabled one', async () => {
      const res = await submit({ ...v1, enabled: true });
      expect(res.status).toBe(201);
      expect(res.body.config).not.toHaveProperty('enabled');
      const v1Body = (await t.http().get('/v1/clusters/prod/configs/1').set(bearer(dave))).body;
      expect(res.body.contentHash).toBe(v1Body.contentHash);
      expect(res.body.findings.map((f: { code: string }) => f.code)).not.toContain('PROXY_DISABLED');
      expect(res.body.findings.find((f: { code: string }) => f.code === 'UPDATE_REIMAGES_NODES').message).toMatch(/back on/);
      expect((await approve(3)).status).toBe(201);
      const az = await renderOf(3, 'az');
      expect(az.text).toBe('az aks update --name prod --resource-group rg-prod --http-proxy-config aks-proxy-config.json --enable-http-proxy\n');
      expect((await renderOf(3, 'terraform')).status).toBe(200);
      // v1's preceding approved version (none) was not disabled: no flag
      expect((await renderOf(1, 'az')).text).not.toContain('http-proxy\n');
    });

    it('enabled that is no boolean is FIELD_TYPE (the docs\' "true" string included)', async () => {
      for (const enabled of ['true', 1, null]) {
        const res = await t.http().post('/v1/validate').set(bearer(dave)).send({ ...v1, enabled });
        expect(res.body.valid).toBe(false);
        expect(res.body.findings).toContainEqual(expect.objectContaining({ code: 'FIELD_TYPE', pointer: '/enabled' }));
      }
    });
  });

  describe('snake_case keys and submitted', () => {
    const sent = {
      http_proxy: 'HTTP://Proxy.Corp.Example:3128',
      HTTPS_PROXY: 'http://proxy.corp.example:3128/path',
      no_proxy: ['.corp.example', 'MCR.microsoft.com', '.corp.example', '10.0.0.0/8', 'localhost'],
      trusted_ca: certs.bundleBase64,
    };

    it('validate: FIELD_NAME_CASE warnings saying the CLI serializer accepts them; normalized to camelCase', async () => {
      const res = await t.http().post('/v1/validate').set(bearer(dave)).send(sent);
      expect(res.status).toBe(200);
      expect(res.body.valid).toBe(true);
      const nameCase = res.body.findings.filter((f: { code: string }) => f.code === 'FIELD_NAME_CASE');
      expect(nameCase.map((f: { pointer: string }) => f.pointer)).toEqual(['/http_proxy', '/HTTPS_PROXY', '/no_proxy', '/trusted_ca']);
      for (const f of nameCase) {
        expect(f.severity).toBe('warning');
        expect(f.message).toMatch(/serializer accepts/);
        expect(f.message).not.toMatch(/drops/);
      }
      expect(Object.keys(res.body.normalized)).toEqual(['httpProxy', 'httpsProxy', 'noProxy', 'trustedCa']);
      expect(res.body.normalized.httpProxy).toBe('http://proxy.corp.example:3128/');
    });

    it('a version keeps the document as sent in submitted; every finding pointer resolves against it', async () => {
      const res = await submit(sent);
      expect(res.status).toBe(201);
      expect(res.body.submitted).toEqual(sent);
      expect(res.body.findings.length).toBeGreaterThan(4);
      for (const f of res.body.findings as { pointer: string }[]) {
        expect(resolvePointer(res.body.submitted, f.pointer), f.pointer).toBeDefined();
      }
      const dup = res.body.findings.find((f: { code: string }) => f.code === 'NO_PROXY_DUPLICATE');
      expect(dup.pointer).toBe('/no_proxy/2');
      expect(resolvePointer(res.body.submitted, dup.pointer)).toBe('.corp.example');
      const got = await t.http().get(`/v1/clusters/prod/configs/${res.body.version}`).set(bearer(dave));
      expect(got.body.submitted).toEqual(sent);
      // withdraw so the rest of the story starts from v3 as current
      expect((await t.http().post(`/v1/clusters/prod/configs/${res.body.version}/withdraw`).set(bearer(alice))).status).toBe(200);
    });
  });

  describe('blockers', () => {
    it('a PATCH that adds a Windows pool answers 200 with the blockers; render is then 422 CONFIG_INVALID', async () => {
      const pools = [
        { name: 'system', osType: 'Linux', type: 'VirtualMachineScaleSets' },
        { name: 'win1', osType: 'Windows', type: 'VirtualMachineScaleSets' },
      ];
      const res = await t.http().patch('/v1/clusters/prod').set(bearer(alice)).send({ nodePools: pools });
      expect(res.status).toBe(200);
      expect(res.body.blockers).toEqual([expect.objectContaining({ code: 'CLUSTER_WINDOWS_NODE_POOL', severity: 'error', pointer: '' })]);
      expect(res.body.blockers[0].message).toContain('win1');
      expect((await cluster()).body.blockers).toHaveLength(1);
      const render = await renderOf('current', 'cli');
      expect(render.status).toBe(422);
      expect(render.body.code).toBe('CONFIG_INVALID');
      expect(render.body.findings).toEqual(res.body.blockers);
    });

    it('an Availability Set pool as well; removing both clears the blockers and render works again', async () => {
      const res = await t
        .http()
        .patch('/v1/clusters/prod')
        .set(bearer(alice))
        .send({ nodePools: [{ name: 'win1', osType: 'Windows', type: 'VirtualMachineScaleSets' }, { name: 'vmas', osType: 'Linux', type: 'AvailabilitySet' }] });
      expect(res.body.blockers.map((f: { code: string }) => f.code)).toEqual(['CLUSTER_WINDOWS_NODE_POOL', 'CLUSTER_VMAS_NODE_POOL']);
      const clear = await t.http().patch('/v1/clusters/prod').set(bearer(alice)).send({ nodePools: [{ name: 'system', osType: 'Linux', type: 'VirtualMachineScaleSets' }] });
      expect(clear.body.blockers).toEqual([]);
      expect((await renderOf('current', 'cli')).status).toBe(200);
    });

    it('a cluster without an approved version has no blockers, whatever its pools', async () => {
      const res = await t.http().patch('/v1/clusters/stage').set(bearer(alice)).send({ nodePools: [{ name: 'w', osType: 'Windows', type: 'VirtualMachineScaleSets' }] });
      expect(res.status).toBe(200);
      expect(res.body.blockers).toEqual([]);
    });
  });

  describe('fleet: CA report and gauges', () => {
    it('edge gets a current version whose CA expires in 10 days; a pending version waits', async () => {
      await t.http().post('/v1/clusters').set(bearer(alice)).send({ name: 'edge', resourceGroup: 'rg-edge' });
      expect((await submit({ httpProxy: 'http://proxy.edge.example:3128/', trustedCa: certs.expiringBase64 }, 'edge')).status).toBe(201);
      expect((await approve(1, 'edge')).status).toBe(201);
      const pending = await submit({ httpProxy: 'http://proxy.edge.example:3128/', noProxy: ['.edge.example'], trustedCa: certs.expiringBase64 }, 'edge');
      expect(pending.status).toBe(201);
    });

    it('GET /v1/reports/trusted-ca: default 30 days lists only edge\'s certificate', async () => {
      const res = await t.http().get('/v1/reports/trusted-ca').set(bearer(dave));
      expect(res.status).toBe(200);
      expect(res.body.nextCursor).toBeNull();
      expect(res.body.items).toEqual([
        expect.objectContaining({ cluster: 'edge', version: 1, subject: expect.stringContaining('Expiring CA'), daysLeft: 10 }), // the clock is the certificates' own: exactly 10 days
      ]);
      expect(res.body.items[0].sha256Fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(Date.parse(res.body.items[0].notAfter)).toBeGreaterThan(nowMs);
    });

    it('a wider window lists every cluster\'s current certificates soonest first, paginated', async () => {
      const res = await t.http().get('/v1/reports/trusted-ca?expiringWithin=400').set(bearer(dave));
      expect(res.body.items).toHaveLength(4); // edge's, then prod v3's three
      expect(res.body.items[0].cluster).toBe('edge');
      expect(res.body.items.slice(1).every((i: { cluster: string; version: number }) => i.cluster === 'prod' && i.version === 3)).toBe(true);
      const notAfters = res.body.items.map((i: { notAfter: string }) => Date.parse(i.notAfter));
      expect([...notAfters].sort((a, b) => a - b)).toEqual(notAfters);
      const page1 = await t.http().get('/v1/reports/trusted-ca?expiringWithin=400&limit=3').set(bearer(dave));
      expect(page1.body.items).toHaveLength(3);
      expect(page1.headers.link).toContain('rel="next"');
      const page2 = await t.http().get(`/v1/reports/trusted-ca?expiringWithin=400&limit=3&cursor=${page1.body.nextCursor}`).set(bearer(dave));
      expect([...page1.body.items, ...page2.body.items]).toEqual(res.body.items);
      expect(page2.body.nextCursor).toBeNull();
    });

    it('an expired certificate is listed with negative daysLeft (the clock moves 20 days on)', async () => {
      nowMs += 20 * DAY;
      const res = await t.http().get('/v1/reports/trusted-ca?expiringWithin=0').set(bearer(dave));
      expect(res.body.items).toEqual([expect.objectContaining({ cluster: 'edge', daysLeft: -10 })]);
    });

    it('a bad expiringWithin is 400 BAD_REQUEST; no token is 401', async () => {
      for (const q of ['abc', '-1', '1.5', '999999', '']) {
        const res = await t.http().get(`/v1/reports/trusted-ca?expiringWithin=${q}`).set(bearer(dave));
        expect(res.status, q).toBe(400);
        expect(res.body.code).toBe('BAD_REQUEST');
      }
      expect((await t.http().get('/v1/reports/trusted-ca')).status).toBe(401);
    });

    it('/metrics: earliest CA notAfter per cluster (epoch seconds), pending versions, age of the oldest pending one', async () => {
      const res = await t.http().get('/metrics');
      expect(res.status).toBe(200);
      const value = (name: string, labels = '') => {
        const line = res.text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
        return line === undefined ? undefined : Number(line.split(' ')[1]);
      };
      const report = (await t.http().get('/v1/reports/trusted-ca?expiringWithin=36500').set(bearer(dave))).body.items as { cluster: string; notAfter: string }[];
      const earliest = (c: string) => Math.floor(Math.min(...report.filter((i) => i.cluster === c).map((i) => Date.parse(i.notAfter))) / 1000);
      expect(res.text).toContain('# TYPE aksproxy_trusted_ca_earliest_not_after_timestamp_seconds gauge');
      expect(value('aksproxy_trusted_ca_earliest_not_after_timestamp_seconds', '{cluster="edge"}')).toBe(earliest('edge'));
      expect(value('aksproxy_trusted_ca_earliest_not_after_timestamp_seconds', '{cluster="prod"}')).toBe(earliest('prod'));
      expect(value('aksproxy_trusted_ca_earliest_not_after_timestamp_seconds', '{cluster="stage"}')).toBeUndefined();
      expect(value('aksproxy_config_versions_pending')).toBe(1);
      expect(value('aksproxy_config_oldest_pending_version_age_seconds')).toBe(20 * 24 * 60 * 60);
      expect(res.text).not.toMatch(/^aksproxy_config_versions_pending_total/m);
    });
  });
});
