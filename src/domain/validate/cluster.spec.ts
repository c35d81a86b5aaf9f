import { describe, expect, it } from 'vitest';
import type { ClusterContext, NodePool } from '../proxy-config';
import { codesOf, findingsOf } from '../../../test/support/findings';
import { validateCluster } from './cluster';
import { validate } from './index';

const now = new Date('2026-01-15T12:00:00Z');
const linux: NodePool = { name: 'system', osType: 'Linux', type: 'VirtualMachineScaleSets' };
const cluster = (nodePools: NodePool[], currentConfig: ClusterContext['currentConfig'] = null): ClusterContext => ({ name: 'c1', nodePools, currentConfig });
const config = { httpProxy: 'http://proxy.corp.example:3128/', httpsProxy: 'http://proxy.corp.example:3128/', noProxy: ['localhost'] };

describe('CLUSTER_WINDOWS_NODE_POOL', () => {
  it('reports each Windows pool by name, at ""', () => {
    const r = validate(config, { now, cluster: cluster([linux, { name: 'win1', osType: 'Windows', type: 'VirtualMachineScaleSets' }]) });
    expect(findingsOf(r, 'CLUSTER_WINDOWS_NODE_POOL')).toEqual([expect.objectContaining({ severity: 'error', pointer: '' })]);
    expect(findingsOf(r, 'CLUSTER_WINDOWS_NODE_POOL')[0]!.message).toContain('"win1"');
    expect(r.valid).toBe(false);
  });

  it('near miss: Linux pools only', () => {
    expect(validate(config, { now, cluster: cluster([linux]) }).findings.map((f) => f.code)).toEqual(['NO_PROXY_REDUNDANT']);
  });
});

describe('CLUSTER_VMAS_NODE_POOL', () => {
  it('reports each Availability Set pool by name, at ""', () => {
    const pools: NodePool[] = [
      { name: 'legacy', osType: 'Linux', type: 'AvailabilitySet' },
      { name: 'winvmas', osType: 'Windows', type: 'AvailabilitySet' },
    ];
    const findings = validateCluster(cluster(pools), {});
    expect(codesOf({ findings })).toEqual(['CLUSTER_VMAS_NODE_POOL', 'CLUSTER_WINDOWS_NODE_POOL', 'CLUSTER_VMAS_NODE_POOL']);
    expect(findings[0]).toMatchObject({ severity: 'error', pointer: '' });
    expect(findings[0]!.message).toContain('"legacy"');
  });

  it('near miss: Scale Sets pools', () => {
    expect(validateCluster(cluster([linux]), {})).toEqual([]);
  });

  it('does not throw on a malformed pool list', () => {
    expect(validateCluster({ name: 'x', nodePools: null as unknown as NodePool[] }, {})).toEqual([]);
    expect(validateCluster({ name: 'x', nodePools: [null as unknown as NodePool] }, {})).toEqual([]);
  });
});

describe('impact against the current config', () => {
  it('nothing when the new config means the same as the current one, however it is spelled', () => {
    const current = validate(config, { now }).normalized;
    const respelled = { HTTPProxy: 'HTTP://Proxy.Corp.Example:3128', httpsProxy: 'http://proxy.corp.example:3128', noProxy: ['LOCALHOST', 'localhost'] };
    const r = validate(respelled, { now, cluster: cluster([linux], current) });
    expect(codesOf(r)).not.toContain('UPDATE_REIMAGES_NODES');
  });

  it('UPDATE_REIMAGES_NODES when anything changes', () => {
    const current = validate(config, { now }).normalized;
    const r = validate({ ...config, noProxy: ['localhost', '.corp.example'] }, { now, cluster: cluster([linux], current) });
    expect(codesOf(r)).toContain('UPDATE_REIMAGES_NODES');
    expect(codesOf(r)).not.toContain('PROXY_ENDPOINT_CHANGED');
    expect(r.findings.at(-1)!.code).toBe('UPDATE_REIMAGES_NODES'); // cluster findings come last
  });

  it('PROXY_ENDPOINT_CHANGED when the proxy moves', () => {
    const current = validate(config, { now }).normalized;
    const r = validate({ ...config, httpProxy: 'http://proxy2.corp.example:3128' }, { now, cluster: cluster([linux], current) });
    expect(findingsOf(r, 'PROXY_ENDPOINT_CHANGED').map((f) => f.pointer)).toEqual(['/httpProxy']);
  });

  it('PROXY_ENDPOINT_CHANGED when httpProxy is dropped and only httpsProxy remains (HTTP traffic would go direct)', () => {
    const current = validate(config, { now }).normalized;
    const r = validate({ httpsProxy: 'http://proxy.corp.example:3128/', noProxy: ['localhost'] }, { now, cluster: cluster([linux], current) });
    expect(findingsOf(r, 'PROXY_ENDPOINT_CHANGED')).toEqual([expect.objectContaining({ severity: 'warning', pointer: '' })]);
    expect(findingsOf(r, 'PROXY_ENDPOINT_CHANGED')[0]!.message).toMatch(/HTTP proxy proxy\.corp\.example:3128 is removed.*go direct/);
    expect(r.valid).toBe(true);
  });

  it('PROXY_ENDPOINT_CHANGED points where the field is in the submitted document', () => {
    const current = validate({ httpProxy: 'http://p.example:3128' }, { now }).normalized;
    const moved = (input: unknown) => findingsOf(validate(input, { now, cluster: cluster([linux], current) }), 'PROXY_ENDPOINT_CHANGED').map((f) => f.pointer);
    // httpsProxy falls back to httpProxy on both sides, so only httpProxy moves
    expect(moved({ HTTPPROXY: 'http://q.example:3128' })).toEqual(['/HTTPPROXY', '']);
    expect(moved({ httpProxyConfig: { httpProxy: 'http://q.example:3128' } })).toEqual(['/httpProxyConfig/httpProxy', '']);
    expect(moved({ properties: { httpProxyConfig: { httpProxy: 'http://p.example:3128', HttpsProxy: 'http://q.example:3128' } } })).toEqual([
      '/properties/httpProxyConfig/HttpsProxy',
    ]);
    // every pointer of the result is one the other findings on the same input use
    const r = validate({ HTTPPROXY: 'http://q.example:3128' }, { now, cluster: cluster([linux], current) });
    expect(findingsOf(r, 'FIELD_NAME_CASE')[0]!.pointer).toBe('/HTTPPROXY');
  });

  it('near miss: no current config (first enablement) raises no impact finding', () => {
    expect(codesOf(validate(config, { now, cluster: cluster([linux], null) }))).not.toContain('UPDATE_REIMAGES_NODES');
  });
});
