import { describe, expect, it } from 'vitest';
import { codesOf, findingsOf, resultShapeProblems } from '../../test/support/findings';
import { addonFindings } from './addons';
import { diffVersions, type VersionSnapshot } from './diff';
import { diffToMarkdown } from './diff-markdown';
import type { ClusterContext, ProxyConfig } from './proxy-config';
import { validate } from './validate';

const now = new Date('2026-01-15T12:00:00Z');
const CA = 'TFMwdA=='; // only its presence matters to these rules
const cluster = (addons: ClusterContext['addons'], extra: Partial<ClusterContext> = {}): ClusterContext => ({
  name: 'c1',
  nodePools: [],
  addons,
  ...extra,
});
const ISTIO = { istio: true, monitoring: false };
const MONITORING = { istio: false, monitoring: true };
const NONE = { istio: false, monitoring: false };
const p3128: ProxyConfig = { httpProxy: 'http://proxy.corp.example:3128/' };

describe('ISTIO_SERVICE_ENTRY_NEEDED', () => {
  it('warns, at "", on a cluster with the Istio add-on, and only there', () => {
    const r = validate({ httpProxy: 'http://10.50.0.4:3128' }, { now, cluster: cluster(ISTIO) });
    expect(findingsOf(r, 'ISTIO_SERVICE_ENTRY_NEEDED')).toEqual([expect.objectContaining({ severity: 'warning', pointer: '' })]);
    expect(findingsOf(r, 'ISTIO_SERVICE_ENTRY_NEEDED')[0]!.message).toContain('10.50.0.4:3128');
    expect(r.valid).toBe(true);
    expect(resultShapeProblems(r)).toEqual([]);
    for (const c of [cluster(NONE), cluster(MONITORING), cluster(undefined), cluster(null)]) {
      expect(codesOf(validate({ httpProxy: 'http://10.50.0.4:3128' }, { now, cluster: c }))).not.toContain('ISTIO_SERVICE_ENTRY_NEEDED');
    }
    expect(codesOf(validate({ httpProxy: 'http://10.50.0.4:3128' }, { now }))).not.toContain('ISTIO_SERVICE_ENTRY_NEEDED');
  });

  it('says the ServiceEntry must change first when the endpoint moves, and that it stays valid when it does not', () => {
    const moved = addonFindings(cluster(ISTIO), p3128, { httpProxy: 'http://proxy2.corp.example:8080/' });
    expect(moved[0]!.message).toMatch(/changes \(proxy\.corp\.example:3128 to proxy2\.corp\.example:8080\): the ServiceEntry must change first/);
    const same = addonFindings(cluster(ISTIO), p3128, { ...p3128, noProxy: ['.svc'] });
    expect(same[0]!.message).toMatch(/does not change/);
    const first = addonFindings(cluster(ISTIO), null, p3128);
    expect(first[0]!.message).toMatch(/before the proxy is turned on/);
  });

  it('asks for proxyAddresses when the proxy is a host name and the cluster has none', () => {
    expect(addonFindings(cluster(ISTIO), null, p3128)[0]!.message).toMatch(/proxy\.corp\.example is given by host name: add its IP addresses to the cluster's network\.proxyAddresses/);
    const known = cluster(ISTIO, { network: { proxyAddresses: ['10.50.0.4'] } });
    expect(addonFindings(known, null, p3128)[0]!.message).not.toMatch(/proxyAddresses/);
    expect(addonFindings(cluster(ISTIO), null, { httpProxy: 'http://10.50.0.4:3128/' })[0]!.message).not.toMatch(/proxyAddresses/);
  });

  it('nothing for a config that turns the proxy off', () => {
    expect(addonFindings(cluster({ istio: true, monitoring: true }), p3128, { ...p3128, trustedCa: CA, enabled: false })).toEqual([]);
  });
});

describe('MONITORING_TRUSTED_CA', () => {
  it('warns at the trustedCa key as submitted, with the monitoring add-on and a trustedCa only', () => {
    const f = addonFindings(cluster(MONITORING), null, { ...p3128, trustedCa: CA }, { trustedCa: '/trustedCA' });
    expect(f).toEqual([expect.objectContaining({ code: 'MONITORING_TRUSTED_CA', severity: 'warning', pointer: '/trustedCA' })]);
    expect(f[0]!.message).toMatch(/custom metrics and recommended alerts/);
    expect(addonFindings(cluster(MONITORING), null, p3128)).toEqual([]);
    expect(addonFindings(cluster(ISTIO), null, { ...p3128, trustedCa: CA }).map((x) => x.code)).toEqual(['ISTIO_SERVICE_ENTRY_NEEDED']);
  });
});

describe('in the diff', () => {
  const snap = (version: number, config: ProxyConfig): VersionSnapshot => ({ version, config, certificates: [] });

  it('impact carries the add-on findings; the Markdown says in one line that the ServiceEntry changes first', () => {
    const d = diffVersions(snap(1, p3128), snap(2, { httpProxy: 'http://10.60.0.9:8080/', trustedCa: CA }), cluster({ istio: true, monitoring: true }));
    expect(d.proxyEndpointChanged).toBe(true);
    expect(d.impact.map((f) => f.code)).toEqual(['UPDATE_REIMAGES_NODES', 'PROXY_ENDPOINT_CHANGED', 'PROXY_ENDPOINT_CHANGED', 'ISTIO_SERVICE_ENTRY_NEEDED', 'MONITORING_TRUSTED_CA']);
    const md = diffToMarkdown(d, 'c1');
    const lines = md.split('\n').filter((l) => l.includes('ServiceEntry first'));
    expect(lines).toEqual(['⚠️ Istio add-on: change the ServiceEntry first: apply the `istio` rendering of v2 before this config.']);
    // the line comes before the details, right after the summary
    expect(md.indexOf('ServiceEntry first')).toBeLessThan(md.indexOf('Proxy URLs:'));
  });

  it('no Istio finding and no line when the endpoint stays, nor without the Istio add-on; no add-on finding without a change', () => {
    const same = diffVersions(snap(1, p3128), snap(2, { ...p3128, noProxy: ['.svc'] }), cluster(ISTIO));
    expect(same.proxyEndpointChanged).toBe(false);
    expect(same.impact.map((f) => f.code)).toEqual(['UPDATE_REIMAGES_NODES']);
    expect(diffToMarkdown(same, 'c1')).not.toContain('ServiceEntry first');
    const plain = diffVersions(snap(1, p3128), snap(2, { httpProxy: 'http://10.60.0.9:8080/' }), cluster(NONE));
    expect(diffToMarkdown(plain, 'c1')).not.toContain('ServiceEntry');
    expect(diffVersions(snap(1, p3128), snap(1, p3128), cluster(ISTIO)).impact).toEqual([]);
  });

  it('MONITORING_TRUSTED_CA when the change adds trustedCa, not when it was there already', () => {
    const both = cluster({ istio: true, monitoring: true });
    const added = diffVersions(snap(1, p3128), snap(2, { ...p3128, trustedCa: CA }), both);
    expect(added.impact.map((f) => f.code)).toEqual(['UPDATE_REIMAGES_NODES', 'MONITORING_TRUSTED_CA']);
    const kept = diffVersions(snap(2, { ...p3128, trustedCa: CA }), snap(3, { ...p3128, trustedCa: 'QUJD', noProxy: ['.svc'] }), both);
    expect(kept.impact.map((f) => f.code)).toEqual(['UPDATE_REIMAGES_NODES']);
    expect(diffVersions(null, snap(1, { ...p3128, trustedCa: CA }), both).impact.map((f) => f.code)).toEqual([
      'ISTIO_SERVICE_ENTRY_NEEDED',
      'MONITORING_TRUSTED_CA',
    ]);
  });

  it('a first version on an Istio cluster: the ServiceEntry goes first too (and no UPDATE_REIMAGES_NODES: no config yet)', () => {
    const d = diffVersions(null, snap(1, p3128), cluster(ISTIO));
    expect(d.impact.map((f) => f.code)).toEqual(['ISTIO_SERVICE_ENTRY_NEEDED']);
    expect(diffToMarkdown(d, 'c1')).toContain('change the ServiceEntry first');
  });
});
