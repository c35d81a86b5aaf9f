import { describe, expect, it } from 'vitest';
import { testCertificates, toBase64 } from '../../test/support/certificates';
import { diffVersions } from './diff';
import { impactFindings } from './impact';
import { observe, readObservation, type ApprovedVersion } from './observation';
import { validate } from './validate';

const certs = testCertificates();
const now = certs.now;
const NETWORK = { serviceCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16', nodeSubnetCidrs: ['10.224.0.0/16'] };
const FQDN = 'c-dns-1.hcp.westeurope.azmk8s.io';

function approvedOf(config: object, version = 4): ApprovedVersion {
  const r = validate(config, { now });
  expect(r.valid).toBe(true);
  return { version, config: r.normalized, certificates: r.certificates };
}

const APPROVED = approvedOf({
  httpProxy: 'http://proxy.corp.example:3128',
  noProxy: ['.corp.example', 'localhost', 'acr.example.io'],
  trustedCa: toBase64(certs.caPem + certs.ecPem),
});

const live = (over: Record<string, unknown> = {}) => ({
  httpProxy: 'http://proxy.corp.example:3128/',
  httpsProxy: null,
  noProxy: ['konnectivity', 'acr.example.io', FQDN, '10.224.0.0/16', 'localhost', '127.0.0.1', '.corp.example', '169.254.169.254', '10.244.0.0/16', '10.0.0.0/16', '168.63.129.16'],
  trustedCa: toBase64(certs.ecPem + certs.caPem).replace(/(.{64})/g, '$1\n'),
  ...over,
});
const azShow = (httpProxyConfig: unknown) => ({
  name: 'c',
  fqdn: FQDN,
  provisioningState: 'Succeeded',
  networkProfile: { serviceCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16' },
  httpProxyConfig,
});

const run = (body: unknown, approved: ApprovedVersion | null = APPROVED, network: typeof NETWORK | null = { ...NETWORK, nodeSubnetCidrs: ['10.224.0.0/16'] }) => {
  const r = observe(body, approved, network, now);
  if (!r.ok) throw new Error(r.reason);
  return r.outcome;
};

describe('readObservation', () => {
  it('recognises az aks show (flat), the ARM shape and {httpProxyConfig}', () => {
    expect(readObservation(azShow(live())).kind).toBe('configured');
    expect(readObservation({ id: 'x', properties: { provisioningState: 'Succeeded', httpProxyConfig: live() } }).kind).toBe('configured');
    expect(readObservation({ httpProxyConfig: live() }).kind).toBe('configured');
    expect(readObservation({ HttpProxyConfig: live() }).kind).toBe('configured');
  });

  it('a recognised document without httpProxyConfig (null or absent) is not-configured', () => {
    expect(readObservation(azShow(null)).kind).toBe('not-configured');
    expect(readObservation({ provisioningState: 'Succeeded' }).kind).toBe('not-configured');
    expect(readObservation({ properties: { networkProfile: {} } }).kind).toBe('not-configured');
  });

  it('anything else is unrecognised', () => {
    for (const body of [null, [], 'x', 1, {}, { foo: 1 }, { properties: 'x' }, { httpProxyConfig: 'http://p' }, { httpProxyConfig: [] }]) {
      expect(readObservation(body).kind, JSON.stringify(body)).toBe('unrecognised');
    }
  });

  it('reads fqdn, privateFqdn and the observed CIDRs at either level', () => {
    const r = readObservation({ properties: { privateFqdn: 'p.privatelink.io', fqdn: 'f.io', networkProfile: { serviceCidrs: ['10.0.0.0/16', 'fd00::/108'], podCidr: '10.1.0.0/16' }, httpProxyConfig: {} } });
    expect(r.kind).toBe('configured');
    if (r.kind === 'configured') expect(r.facts).toMatchObject({ fqdns: ['f.io', 'p.privatelink.io'], serviceCidrs: ['10.0.0.0/16', 'fd00::/108'], podCidrs: ['10.1.0.0/16'] });
  });
});

describe('observe', () => {
  it('in-sync: entries AKS adds, key case, the order of entries and certificates, line-wrapped base64 do not count', () => {
    const o = run(azShow(live()));
    expect(o).toMatchObject({ state: 'in-sync', version: 4, differences: [] });
    expect(o.observed?.noProxy).toEqual(['.corp.example', 'acr.example.io']);
    expect(run({ properties: azShow({ HTTPPROXY: 'HTTP://PROXY.corp.example:3128', NoProxy: live().noProxy, trustedCa: live().trustedCa }) }).state).toBe('in-sync');
  });

  it('an approved entry that AKS adds anyway (localhost) missing from the cluster is no drift', () => {
    expect(run(azShow(live({ noProxy: live().noProxy.filter((e) => e !== 'localhost') }))).state).toBe('in-sync');
  });

  it('the node subnet is known only from the stored network: without it, it is a drift with a hint', () => {
    const o = run(azShow(live()), APPROVED, { serviceCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16', nodeSubnetCidrs: [] });
    expect(o.state).toBe('drifted');
    expect(o.differences).toHaveLength(1);
    expect(o.differences[0]).toMatchObject({ code: 'DRIFT', severity: 'warning', pointer: '/noProxy' });
    expect(o.differences[0]!.message).toContain('nodeSubnetCidrs');
  });

  it('drifted: one DRIFT per difference, pointing into the approved config', () => {
    const o = run(
      azShow(
        live({
          httpProxy: 'http://other:3128/',
          httpsProxy: 'https://other:3129/',
          noProxy: [...live().noProxy.filter((e) => e !== 'acr.example.io'), 'new.example'],
          trustedCa: toBase64(certs.caPem + certs.intermediatePem),
        }),
      ),
    );
    expect(o.state).toBe('drifted');
    const at = APPROVED.config.noProxy!.indexOf('acr.example.io'); // in the order it was submitted
    expect(at).toBeGreaterThanOrEqual(0);
    expect(o.differences.map((d) => d.pointer)).toEqual(['/httpProxy', '', `/noProxy/${at}`, '/noProxy', '/trustedCa', '/trustedCa']);
    expect(o.differences[0]!.message).toBe('The cluster\'s httpProxy is "http://other:3128/", but version 4 approved "http://proxy.corp.example:3128/".');
    expect(o.differences[1]!.message).toContain('approved none');
    expect(o.differences[4]!.message).toMatch(/lacks the certificate "CN=AKS Proxy Test EC CA"/);
    expect(o.differences[5]!.message).toMatch(/holds the certificate "CN=AKS Proxy Test Intermediate CA"/);
  });

  it('a cluster without the approved CA, or with an unreadable one', () => {
    expect(run(azShow(live({ trustedCa: null }))).differences.map((d) => d.pointer)).toEqual(['/trustedCa', '/trustedCa']);
    const garbage = run(azShow(live({ trustedCa: 'bm90IGEgY2VydA==' })));
    expect(garbage.differences[0]!.message).toContain('no readable certificate');
  });

  it('a private key in the observed trustedCa is neither kept nor echoed', () => {
    const o = run(azShow(live({ trustedCa: toBase64(certs.caPem + certs.privateKeyPem + certs.ecPem) })));
    expect(o.state).toBe('in-sync');
    const text = JSON.stringify(o);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(certs.privateKeyPem.split('\n')[1]);
  });

  it('enabled: the cluster off while approved on, and the reverse', () => {
    expect(run(azShow(live({ enabled: false }))).differences).toEqual([expect.objectContaining({ pointer: '' })]);
    const off = approvedOf({ ...APPROVED.config, enabled: false }, 5);
    expect(run(azShow(live({ enabled: false })), off).state).toBe('in-sync');
    expect(run(azShow(live({ enabled: null })), off).differences).toEqual([expect.objectContaining({ pointer: '/enabled' })]);
  });

  it('not-configured is checked first, then no-approved-version', () => {
    expect(run(azShow(null), null)).toMatchObject({ state: 'not-configured', version: null });
    expect(run(azShow(null))).toMatchObject({ state: 'not-configured', version: 4 });
    expect(run(azShow(live()), null)).toMatchObject({ state: 'no-approved-version', version: null, differences: [] });
    // every field null: no proxy either
    expect(run(azShow({ httpProxy: null, httpsProxy: null, noProxy: null, trustedCa: null }))).toMatchObject({ state: 'not-configured' });
  });

  it('wrong types inside httpProxyConfig are refused with a reason', () => {
    for (const bad of [{ noProxy: 'a,b' }, { httpProxy: 1 }, { enabled: 'false' }, { trustedCa: ['x'] }]) {
      const r = observe(azShow(bad), APPROVED, NETWORK, now);
      expect(r.ok).toBe(false);
    }
  });
});

describe('enabled in impact and diff', () => {
  const on = approvedOf({ httpProxy: 'http://p:1' }, 1).config;
  const off = { ...on, enabled: false as const };

  it('switching off or on reimages every node pool; the same config is no change', () => {
    expect(impactFindings(on, off).map((f) => f.code)).toEqual(['UPDATE_REIMAGES_NODES']);
    expect(impactFindings(on, off)[0]!.message).toMatch(/off/);
    expect(impactFindings(off, on)[0]!.message).toMatch(/back on/);
    expect(impactFindings(on, { ...on })).toEqual([]);
  });

  it('turning the proxy back on with the same host and port is no PROXY_ENDPOINT_CHANGED; with another one it is', () => {
    const offTls = { httpProxy: 'http://proxy.corp.example:3128/', httpsProxy: 'https://proxy.corp.example:3129/', enabled: false as const };
    const { enabled: _enabled, ...onTls } = offTls;
    expect(impactFindings(offTls, onTls).map((f) => f.code)).toEqual(['UPDATE_REIMAGES_NODES']);
    const moved = impactFindings(offTls, { ...onTls, httpProxy: 'http://proxy2.corp.example:3128/' });
    expect(moved.map((f) => [f.code, f.pointer])).toEqual([
      ['UPDATE_REIMAGES_NODES', ''],
      ['PROXY_ENDPOINT_CHANGED', '/httpProxy'],
    ]);
  });

  it('the diff shows the switch as a change', () => {
    const d = diffVersions({ version: 1, config: on, certificates: [] }, { version: 2, config: off, certificates: [] });
    expect(d.changed).toBe(true);
    expect(d.changes).toEqual([{ op: 'add', path: '/enabled', value: false }]);
    expect(d.summary).toContain('proxy turned off');
    const back = diffVersions({ version: 2, config: off, certificates: [] }, { version: 3, config: on, certificates: [] });
    expect(back.changes).toEqual([{ op: 'remove', path: '/enabled' }]);
    expect(back.summary).toContain('back on');
  });
});
