import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertificates } from './support/certificates';
import { bearer, DATABASE, startTestApp, type TestApp } from './support/test-app';

/**
 * The `aks-proxy-config` command-line tool (src/cli), built with tsconfig.cli.json into a directory of its own (other
 * test files may run dist/ at the same time) and run as a process on real files, with the Node.js that runs the tests.
 * Its JSON is compared with the HTTP answers of the service, started in-process, for the same input.
 */

const ROOT = join(__dirname, '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'cli');
// Inside the project, so that the built files resolve node_modules.
const BUILD = join(ROOT, 'node_modules', '.cache', 'aks-proxy-config-cli-test', randomBytes(6).toString('hex'));
const MAIN = join(BUILD, 'cli', 'main.js');
const WORK = join(BUILD, 'work');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { stdin?: string | Buffer; env?: Record<string, string | undefined>; node?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(options.node ?? process.execPath, [MAIN, ...args], { cwd: WORK, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** Writes a file under the work directory and answers its name (relative, as a user would pass it). */
function file(name: string, content: string | Buffer): string {
  writeFileSync(join(WORK, name), content);
  return name;
}

/** 1-based line and column of the first occurrence of `needle` in `text` (LF, CRLF or CR line ends). */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, offset);
  const lines = before.split(/\r\n|\r|\n/);
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 };
}

const INVALID = `{
  "httpProxy": "http://proxy.corp.example:3128/",
  "noProxy": ["localhost", "*.corp.example", "10.0.0.0/8"],
  "trustedCertificate": "abc"
}
`;

const VALID = { httpProxy: 'http://proxy.corp.example:3128/', httpsProxy: 'http://proxy.corp.example:3128/', noProxy: ['.corp.example', 'svc.cluster.local'] };

beforeAll(() => {
  mkdirSync(WORK, { recursive: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.cli.json'), '--outDir', BUILD], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}, 240_000);

afterAll(() => {
  rmSync(BUILD, { recursive: true, force: true });
});

// Each test runs the CLI as several processes: generous timeouts for a loaded machine.
describe('aks-proxy-config validate: exit codes, positions, inputs', { timeout: 120_000 }, () => {
  it('exit 0 for a valid file, and says what kind of file it read', async () => {
    const name = file('valid.json', JSON.stringify(VALID, null, 2));
    const run = await cli(['validate', name]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^valid\.json: CLI file \(az aks --http-proxy-config\): valid \(0 errors/);
  });

  it('exit 1 for an error finding, each finding as file:line:column of the value its pointer names', async () => {
    const name = file('invalid.json', INVALID);
    const run = await cli(['validate', name]);
    expect(run.code).toBe(1);
    const wildcard = positionOf(INVALID, '"*.corp.example"');
    const unknown = positionOf(INVALID, '"abc"');
    expect(run.stdout).toContain(`invalid.json:${wildcard.line}:${wildcard.column}: error NO_PROXY_WILDCARD:`);
    expect(run.stdout).toContain(`invalid.json:${unknown.line}:${unknown.column}: error UNKNOWN_FIELD:`);
    expect(run.stdout).toMatch(/\(at \/noProxy\/1\)/);
    expect(run.stdout).toMatch(/invalid \(2 errors, 1 warning, 2 info\)/);
  });

  it('--fail-on warning: a file with warnings but no error exits 0 by default and 1 with the option', async () => {
    const name = file('warning.json', JSON.stringify({ httpProxy: 'http://p.corp.example:3128/', httpsProxy: 'http://p.corp.example:3128/', noProxy: ['10.0.0.0/8'] }));
    expect((await cli(['validate', name])).code).toBe(0);
    expect((await cli(['validate', '--fail-on', 'warning', name])).code).toBe(1);
    expect((await cli(['validate', '--fail-on', 'info', 'valid.json'])).code).toBe(1); // NO_PROXY_LEADING_DOT is info
  });

  it('exit 2 for usage errors and unreadable input', async () => {
    const none = await cli(['validate']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/missing required argument/);
    expect((await cli(['validate', '--no-such-option', 'valid.json'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['validate', '--fail-on', 'fatal', 'valid.json'])).code).toBe(2);
    const missing = await cli(['validate', 'missing.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing.json: cannot read it: no such file');
    const binary = await cli(['validate', file('latin1.json', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]))]);
    expect(binary.code).toBe(2);
    expect(binary.stderr).toMatch(/not UTF-8/);
    // One unreadable file among readable ones: the others are reported, and the exit code is 2.
    const mixed = await cli(['validate', 'valid.json', 'missing.json']);
    expect(mixed.code).toBe(2);
    expect(mixed.stdout).toContain('valid.json: CLI file');
  });

  it('a file that is not JSON: exit 2 with its line and column', async () => {
    const text = '{\n  "httpProxy": "http://proxy:3128/",\n  "noProxy": ["a", "b",]\n}\n';
    const run = await cli(['validate', file('broken.json', text)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('broken.json:3:24: not JSON: a value was expected.');
    const comment = await cli(['validate', file('comment.json', '// proxy\n{"httpProxy": "http://p:3128/"}')]);
    expect(comment.code).toBe(2);
    expect(comment.stderr).toContain('comment.json:1:1: not JSON: a comment, which JSON does not allow.');
    const empty = await cli(['validate', file('empty.json', '')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('empty.json:1:1: not JSON: the file is empty.');
  });

  it('reads stdin for -', async () => {
    const run = await cli(['validate', '-'], { stdin: INVALID });
    expect(run.code).toBe(1);
    const wildcard = positionOf(INVALID, '"*.corp.example"');
    expect(run.stdout).toContain(`<stdin>:${wildcard.line}:${wildcard.column}: error NO_PROXY_WILDCARD:`);
    const json = await cli(['validate', '--json', '-'], { stdin: JSON.stringify(VALID) });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).valid).toBe(true);
  });

  it('a file with a BOM and CRLF line ends: the same findings at the same lines and columns as without', async () => {
    const crlf = INVALID.replace(/\n/g, '\r\n');
    const name = file('bom-crlf.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(crlf, 'utf8')]));
    const plain = await cli(['validate', 'invalid.json']);
    const run = await cli(['validate', name]);
    expect(run.code).toBe(1);
    expect(run.stdout.replaceAll('bom-crlf.json', 'invalid.json')).toBe(plain.stdout);
    const json = await cli(['validate', '--json', name]);
    const plainJson = await cli(['validate', '--json', 'invalid.json']);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(plainJson.stdout));
    // Windows PowerShell's UTF-16 with a BOM reads the same.
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(crlf, 'utf16le')]);
    const wide = await cli(['validate', file('utf16.json', utf16)]);
    expect(wide.stdout.replaceAll('utf16.json', 'invalid.json')).toBe(plain.stdout);
  });

  it('a 5 MB file: validated, with the line of a finding near its end', async () => {
    const entries: string[] = [];
    for (let i = 0; entries.length < 200_000; i++) entries.push(`host-${i}.apps.corp.example`);
    entries.push('*.late.example');
    const text = `{\n  "httpProxy": "http://proxy.corp.example:3128/",\n  "httpsProxy": "http://proxy.corp.example:3128/",\n  "noProxy": [\n${entries.map((e) => `    "${e}"`).join(',\n')}\n  ]\n}\n`;
    expect(text.length).toBeGreaterThan(5_000_000);
    const name = file('large.json', text);
    const run = await cli(['validate', name]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`large.json:${4 + entries.length}:5: error NO_PROXY_WILDCARD:`);
    const json = JSON.parse((await cli(['validate', '--json', name])).stdout);
    expect(json.normalized.noProxy).toHaveLength(200_000);
  }, 240_000);

  it('an az aks show output: detected, its httpProxyConfig validated with pointers into the file, its pools as cluster facts', async () => {
    const path = join(FIXTURES, 'az-aks-show.json');
    const text = readFileSync(path, 'utf8');
    const run = await cli(['validate', path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('az aks show output (httpProxyConfig); cluster facts from the file itself: invalid (2 errors, 0 warnings, 0 info)');
    const wildcard = positionOf(text, '"*.corp.example"');
    expect(run.stdout).toContain(`${path}:${wildcard.line}:${wildcard.column}: error NO_PROXY_WILDCARD:`);
    expect(run.stdout).toContain('(at /httpProxyConfig/noProxy/2)');
    expect(run.stdout).toMatch(/error CLUSTER_WINDOWS_NODE_POOL: Node pool "win1"/);
    // null fields, effectiveNoProxy and the entries AKS added itself are not findings.
    expect(run.stdout).not.toMatch(/FIELD_TYPE|UNKNOWN_FIELD|NO_PROXY_REDUNDANT|NO_PROXY_CIDR/);
    const json = JSON.parse((await cli(['validate', '--json', path])).stdout);
    expect(json.findings.map((f: { pointer: string }) => f.pointer)).toEqual(['/httpProxyConfig/noProxy/2', '/httpProxyConfig']);
  });

  it('an ARM managedClusters resource: detected, pointers under /properties/httpProxyConfig', async () => {
    const path = join(FIXTURES, 'arm-managed-cluster.json');
    const text = readFileSync(path, 'utf8');
    const run = await cli(['validate', path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ARM managedClusters resource (properties.httpProxyConfig): invalid');
    const dot = positionOf(text, '"svc.cluster.local."');
    expect(run.stdout).toContain(`${path}:${dot.line}:${dot.column}: error NO_PROXY_TRAILING_DOT:`);
    expect(run.stdout).toContain('(at /properties/httpProxyConfig/trustedCA)');
    // A bare fragment is ARM too; --kind cli reads the same file as a (wrongly wrapped) CLI file.
    const fragment = file('fragment.json', JSON.stringify({ properties: { httpProxyConfig: VALID } }));
    const arm = await cli(['validate', fragment]);
    expect(arm.code).toBe(0);
    expect(arm.stdout).toContain('ARM fragment (properties.httpProxyConfig): valid');
    const forced = await cli(['validate', '--kind', 'cli', fragment]);
    expect(forced.code).toBe(1);
    expect(forced.stdout).toContain('error CONFIG_WRAPPED');
  });

  it('an ARM template: each managedClusters resource with an httpProxyConfig, an expression skipped with a note', async () => {
    const path = join(FIXTURES, 'arm-template.json');
    const text = readFileSync(path, 'utf8');
    const run = await cli(['validate', path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ARM template, managedClusters resource a (resources.1.properties.httpProxyConfig): invalid');
    const wildcard = positionOf(text, '"*.x"');
    expect(run.stdout).toContain(`${path}:${wildcard.line}:${wildcard.column}: error NO_PROXY_WILDCARD:`);
    expect(run.stderr).toContain("/resources/2/properties/httpProxyConfig is the template expression [parameters('proxy')]");
    // explain, render and diff take one config: this template has one to validate.
    const render = await cli(['render', path, '--format', 'cli', '--name', 'a', '--resource-group', 'rg']);
    expect(render.code).toBe(1);
  });

  it('cluster facts from options and from --cluster-file (pools, network, current config)', async () => {
    const name = 'valid.json';
    const windows = await cli(['validate', '--windows-pool', 'win9', name]);
    expect(windows.code).toBe(1);
    expect(windows.stdout).toMatch(/error CLUSTER_WINDOWS_NODE_POOL: Node pool "win9"/);
    const vmas = await cli(['validate', '--vmas-pool', 'legacy', name]);
    expect(vmas.stdout).toMatch(/error CLUSTER_VMAS_NODE_POOL: Node pool "legacy"/);
    const redundant = await cli(['validate', '--service-cidr', '10.0.0.0/16', file('svc.json', JSON.stringify({ ...VALID, noProxy: ['10.0.0.0/16'] }))]);
    expect(redundant.stdout).toMatch(/info NO_PROXY_REDUNDANT/);
    // The cluster file's config is the current one: a different proxy is a change that reimages the nodes.
    const other = file('other.json', JSON.stringify({ httpProxy: 'http://new-proxy.corp.example:8080/', httpsProxy: 'http://new-proxy.corp.example:8080/' }));
    const run = await cli(['validate', '--cluster-file', join(FIXTURES, 'az-aks-show.json'), other]);
    expect(run.code).toBe(1); // the Windows pool
    expect(run.stdout).toContain(`cluster facts from ${join(FIXTURES, 'az-aks-show.json')}`);
    expect(run.stdout).toMatch(/warning UPDATE_REIMAGES_NODES/);
    expect(run.stdout).toMatch(/warning PROXY_ENDPOINT_CHANGED/);
    // A cluster whose proxy is disabled now: the az rendering turns it back on, as the service's does after a
    // disabled version.
    const show = JSON.parse(readFileSync(join(FIXTURES, 'az-aks-show.json'), 'utf8'));
    show.httpProxyConfig.enabled = false;
    show.agentPoolProfiles = show.agentPoolProfiles.filter((p: { osType: string }) => p.osType === 'Linux');
    const disabled = file('disabled-cluster.json', JSON.stringify(show));
    const az = await cli(['render', other, '--format', 'az', '--name', 'prod-weu', '--resource-group', 'rg-prod', '--cluster-file', disabled]);
    expect(az.code).toBe(0);
    expect(az.stdout).toBe('az aks update --name prod-weu --resource-group rg-prod --http-proxy-config aks-proxy-config.json --enable-http-proxy\n');
  });

  it('several files: --json is an array of { file, ...answer }', async () => {
    const run = await cli(['validate', '--json', 'valid.json', 'invalid.json']);
    expect(run.code).toBe(1);
    const body = JSON.parse(run.stdout);
    expect(body.map((b: { file: string; valid: boolean }) => [b.file, b.valid])).toEqual([
      ['valid.json', true],
      ['invalid.json', false],
    ]);
    expect(Object.keys(body[0])).toEqual(['file', 'valid', 'findings', 'normalized', 'certificates']);
  });

  it('--sarif: SARIF 2.1.0 that the official schema accepts, one result per finding at its line and column', async () => {
    const schema = JSON.parse(readFileSync(join(FIXTURES, 'sarif-schema-2.1.0.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const check = ajv.compile(schema);
    const run = await cli(['validate', '--sarif', 'invalid.json', join(FIXTURES, 'az-aks-show.json'), 'missing.json']);
    expect(run.code).toBe(2);
    const log = JSON.parse(run.stdout);
    expect(check(log), JSON.stringify(check.errors)).toBe(true);
    expect(log.version).toBe('2.1.0');
    const [sarifRun] = log.runs;
    expect(sarifRun.tool.driver.name).toBe('aks-proxy-config');
    const wildcard = sarifRun.results.find((r: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.ruleId === 'NO_PROXY_WILDCARD' && r.locations[0]!.physicalLocation.artifactLocation.uri === 'invalid.json');
    const at = positionOf(INVALID, '"*.corp.example"');
    expect(wildcard.level).toBe('error');
    expect(wildcard.locations[0].physicalLocation.region).toMatchObject({ startLine: at.line, startColumn: at.column });
    expect(sarifRun.tool.driver.rules[wildcard.ruleIndex].id).toBe('NO_PROXY_WILDCARD');
    expect(sarifRun.results.filter((r: { level: string }) => r.level === 'note').length).toBeGreaterThan(0); // info findings
    expect(sarifRun.results.some((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => r.locations[0]!.physicalLocation.artifactLocation.uri.endsWith('az-aks-show.json'))).toBe(true);
    expect(sarifRun.invocations[0].executionSuccessful).toBe(false);
    expect(sarifRun.invocations[0].toolExecutionNotifications[0].message.text).toContain('missing.json');
    // A clean run is valid SARIF too, with no results.
    const clean = JSON.parse((await cli(['validate', '--sarif', '--output', 'out.sarif', 'valid.json'])).stdout || readFileSync(join(WORK, 'out.sarif'), 'utf8'));
    expect(check(clean), JSON.stringify(check.errors)).toBe(true);
  });

  it('an older Node.js gets a sentence and exit 2', async () => {
    let old: string | null = null;
    for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
      if (!existsSync(candidate)) continue;
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
      const [major, minor] = version.slice(1).split('.').map(Number);
      if (major! < 22 || (major === 22 && minor! < 12)) old = candidate;
    }
    if (!old) return; // no older Node.js on this machine to try
    const run = await cli(['validate', 'valid.json'], { node: old });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^aks-proxy-config needs Node\.js 22\.12 or newer, and this is Node\.js \d+\./);
  });
});

describe(`aks-proxy-config output equals the service's answers (${DATABASE})`, { timeout: 120_000 }, () => {
  let t: TestApp;
  let reader: string;
  let submitter: string;
  let approver: string;
  let port: number;
  const certs = testCertificates();
  const withCa = { ...VALID, noProxy: ['.corp.example', '10.0.0.0/8', 'svc.cluster.local'], trustedCa: certs.caBase64 };
  const changed = { httpProxy: 'http://proxy2.corp.example:8080/', noProxy: ['.corp.example', 'api.partner.example'], trustedCa: certs.bundleBase64 };

  beforeAll(async () => {
    t = await startTestApp();
    reader = await t.key('reader', ['reader']);
    submitter = await t.key('submitter', ['submitter']);
    approver = await t.key('approver', ['approver']);
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    await t
      .http()
      .post('/v1/clusters')
      .set(bearer(submitter))
      .send({
        name: 'prod-weu',
        resourceGroup: 'rg-prod',
        subscriptionId: '00000000-0000-0000-0000-000000000000',
        nodePools: [{ name: 'win1', osType: 'Windows', type: 'VirtualMachineScaleSets' }],
        network: { serviceCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16', nodeSubnetCidrs: ['10.240.0.0/16'], apiServerFqdn: 'prod.hcp.westeurope.azmk8s.io' },
      })
      .expect(201);
    await t.http().post('/v1/clusters').set(bearer(submitter)).send({ name: 'plain', resourceGroup: 'rg-plain' }).expect(201);
    for (const config of [withCa, changed]) {
      const res = await t.http().post('/v1/clusters/plain/configs').set(bearer(submitter)).send({ config, reason: 'test' }).expect(201);
      await t.http().post(`/v1/clusters/plain/configs/${res.body.version}/decisions`).set(bearer(approver)).send({ decision: 'approve', comment: 'ok' }).expect(201);
    }
    file('with-ca.json', JSON.stringify(withCa, null, 2));
    file('changed.json', JSON.stringify(changed, null, 2));
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('validate --json equals POST /v1/validate, for a valid and an invalid file', async () => {
    for (const name of ['with-ca.json', 'invalid.json']) {
      const body = readFileSync(join(WORK, name), 'utf8');
      const res = await t.http().post('/v1/validate').set(bearer(reader)).set('content-type', 'application/json').send(body).expect(200);
      const run = await cli(['validate', '--json', name]);
      expect(JSON.parse(run.stdout)).toEqual(res.body);
      expect(run.code).toBe(res.body.valid ? 0 : 1);
    }
  });

  it('validate --json with cluster facts equals POST /v1/validate?cluster= for a cluster with the same facts', async () => {
    const res = await t.http().post('/v1/validate?cluster=prod-weu').set(bearer(reader)).set('content-type', 'application/json').send(readFileSync(join(WORK, 'with-ca.json'), 'utf8')).expect(200);
    const run = await cli([
      'validate',
      '--json',
      '--windows-pool',
      'win1',
      '--service-cidr',
      '10.0.0.0/16',
      '--pod-cidr',
      '10.244.0.0/16',
      '--node-subnet-cidr',
      '10.240.0.0/16',
      '--api-server-fqdn',
      'prod.hcp.westeurope.azmk8s.io',
      'with-ca.json',
    ]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual(res.body);
  });

  it('validate --server: the running service validates, for the cluster it holds; same output', async () => {
    const server = `http://127.0.0.1:${port}`;
    const expected = await t.http().post('/v1/validate?cluster=prod-weu').set(bearer(reader)).set('content-type', 'application/json').send(readFileSync(join(WORK, 'with-ca.json'), 'utf8')).expect(200);
    const env = { AKS_PROXY_CONFIG_TOKEN: reader };
    const json = await cli(['validate', '--json', '--server', server, '--cluster', 'prod-weu', 'with-ca.json'], { env });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual(expected.body);
    const text = await cli(['validate', '--server', server, '--cluster', 'prod-weu', 'with-ca.json'], { env });
    expect(text.stdout).toMatch(/error CLUSTER_WINDOWS_NODE_POOL/);
    expect(text.stdout).toContain(`cluster facts from prod-weu (from ${server})`);
    // An ARM fragment is validated by the service too, its pointers led back into the file.
    const arm = await cli(['validate', '--json', '--server', server, join(FIXTURES, 'arm-managed-cluster.json')], { env });
    expect(JSON.parse(arm.stdout).findings.every((f: { pointer: string }) => f.pointer.startsWith('/properties/httpProxyConfig'))).toBe(true);
    // No token, a wrong token, an unknown cluster, no service: exit 2 with what went wrong.
    const noToken = await cli(['validate', '--server', server, 'valid.json'], { env: { AKS_PROXY_CONFIG_TOKEN: undefined } });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/AKS_PROXY_CONFIG_TOKEN/);
    const badToken = await cli(['validate', '--server', server, 'valid.json'], { env: { AKS_PROXY_CONFIG_TOKEN: 'nope' } });
    expect(badToken.code).toBe(2);
    expect(badToken.stderr).toMatch(/answered 401 UNAUTHENTICATED/);
    const unknown = await cli(['validate', '--server', server, '--cluster', 'nope', 'valid.json'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/answered 404/);
    const facts = await cli(['validate', '--server', server, '--windows-pool', 'win1', 'valid.json'], { env });
    expect(facts.code).toBe(2);
  });

  it('explain --json equals POST /v1/explain', async () => {
    const urls = ['https://mcr.microsoft.com/v2/', 'http://api.corp.example/health', 'https://10.1.2.3/', 'http://my-svc.default.svc.cluster.local/'];
    const res = await t.http().post('/v1/explain').set(bearer(reader)).send({ config: withCa, urls, cluster: 'prod-weu' }).expect(200);
    const run = await cli([
      'explain',
      'with-ca.json',
      '--service-cidr',
      '10.0.0.0/16',
      '--pod-cidr',
      '10.244.0.0/16',
      '--node-subnet-cidr',
      '10.240.0.0/16',
      '--api-server-fqdn',
      'prod.hcp.westeurope.azmk8s.io',
      '--json',
      '--url',
      ...urls,
    ]);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout);
    // The cluster's node pools are no part of explain's answer, only its findings: compare those without the pool rule.
    const withoutPools = (findings: { code: string }[]) => findings.filter((f) => !f.code.startsWith('CLUSTER_'));
    expect({ ...body, findings: withoutPools(body.findings) }).toEqual({ ...res.body, findings: withoutPools(res.body.findings) });
    const table = await cli(['explain', 'with-ca.json', '--url', 'https://mcr.microsoft.com/v2/']);
    expect(table.stdout).toMatch(/^ {2}go +proxy http:\/\/proxy\.corp\.example:3128\/ /m);
    const markdown = await cli(['explain', 'with-ca.json', '--markdown', '--url', 'https://mcr.microsoft.com/v2/']);
    expect(markdown.stdout).toMatch(/^\*\*Proxy routing per client\*\*/);
  });

  it('render: the same bytes the service hands out for the approved version, in every format', async () => {
    for (const format of ['cli', 'arm', 'bicep', 'terraform', 'az']) {
      const res = await t.http().get(`/v1/clusters/plain/configs/2/render?format=${format}`).set(bearer(reader)).buffer(true).parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
      expect(res.status).toBe(200);
      const run = await cli(['render', 'changed.json', '--format', format, '--name', 'plain', '--resource-group', 'rg-plain']);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe((res.body as Buffer).toString('utf8'));
    }
    const written = await cli(['render', 'changed.json', '--format', 'cli', '--name', 'plain', '--resource-group', 'rg-plain', '-o', 'rendered.json']);
    expect(written.code).toBe(0);
    expect(JSON.parse(readFileSync(join(WORK, 'rendered.json'), 'utf8'))).toEqual(JSON.parse((await cli(['render', 'changed.json', '--format', 'cli', '--name', 'p', '--resource-group', 'g'])).stdout));
    // An invalid config has no approved version to render: exit 1 with the errors.
    const invalid = await cli(['render', 'invalid.json', '--format', 'cli', '--name', 'plain', '--resource-group', 'rg']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/error NO_PROXY_WILDCARD/);
    expect((await cli(['render', 'changed.json', '--format', 'helm', '--name', 'plain', '--resource-group', 'rg'])).code).toBe(2);
    expect((await cli(['render', 'changed.json', '--format', 'cli'])).code).toBe(2); // --name and --resource-group are required
  });

  it('render --format istio: the domain\'s Istio rendering when this build has it, else exit 2', async () => {
    const run = await cli(['render', 'changed.json', '--format', 'istio', '--name', 'plain', '--resource-group', 'rg', '--proxy-address', '10.9.8.7']);
    const service = await t.http().get('/v1/clusters/plain/configs/2/render?format=istio').set(bearer(reader));
    if (service.status === 400) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--format istio is not available in this build');
    } else {
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/kind: ServiceEntry/);
      expect(run.stdout).toMatch(/10\.9\.8\.7\/32/);
    }
  });

  it('diff --json and --markdown equal the service\'s diff of the two versions', async () => {
    const res = await t.http().get('/v1/clusters/plain/configs/2/diff?against=1').set(bearer(reader)).expect(200);
    const run = await cli(['diff', '--json', 'with-ca.json', 'changed.json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(res.body);
    const md = await t.http().get('/v1/clusters/plain/configs/2/diff?against=1&format=markdown').set(bearer(reader)).expect(200);
    const markdown = await cli(['diff', '--markdown', '--name', 'plain', 'with-ca.json', 'changed.json']);
    expect(markdown.stdout).toBe(md.text);
    const text = await cli(['diff', 'with-ca.json', 'changed.json']);
    expect(text.stdout.split('\n')[0]).toBe(res.body.summary);
    expect(text.stdout).toMatch(/^ {2}\+ api\.partner\.example$/m);
    const invalid = await cli(['diff', 'with-ca.json', 'invalid.json']);
    expect(invalid.code).toBe(1);
  });
});
