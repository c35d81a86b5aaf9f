import { writeFile } from 'node:fs/promises';
import type { ConfigDiff } from '../domain/diff';
import type { ExplainResult } from '../domain/explain';
import type { Finding, Severity, ValidationResult } from '../domain/proxy-config';
import { FINDING_SEVERITY, validate } from '../domain/validate';
import {
  clusterFromAzShow,
  configDocuments,
  singleConfig,
  documentFindings,
  withFacts,
  type CliClusterContext,
  type ClusterFacts,
  type ConfigDocument,
  type DocumentKind,
} from './documents';
import { InputError, readJsonDocument, STDIN_NAME, type JsonDocument } from './input';
import { EXIT, packageVersion } from './meta';

/**
 * The work of each command. Every function answers the exit code. The domain modules only one command needs are
 * loaded by that command (a validate run does not pay for the explain models or the renderers).
 */
const domain = {
  diff: () => require('../domain/diff') as typeof import('../domain/diff'),
  diffMarkdown: () => require('../domain/diff-markdown') as typeof import('../domain/diff-markdown'),
  explain: () => require('../domain/explain') as typeof import('../domain/explain'),
  render: () => require('../domain/render') as typeof import('../domain/render'),
};

type Options = Record<string, unknown>;

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 || word === 'info' ? '' : 's'}`;

const normalize = (config: unknown) => validate(config, { now: new Date() }).normalized;

async function emit(text: string, output: unknown): Promise<void> {
  if (typeof output === 'string' && output !== '' && output !== '-') await writeFile(output, text);
  else process.stdout.write(text);
}

const warn = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function kindOf(options: Options): DocumentKind | 'auto' {
  return (options.kind as DocumentKind | 'auto' | undefined) ?? 'auto';
}

/** The cluster the options describe (`--cluster-file` plus the fact flags), or null when none is described. */
async function clusterContext(options: Options): Promise<{ context: CliClusterContext | null; source: string | null }> {
  let base: CliClusterContext | null = null;
  const sources: string[] = [];
  if (typeof options.clusterFile === 'string') {
    const doc = await readJsonDocument(options.clusterFile);
    base = clusterFromAzShow(doc.name, doc.value, normalize, true);
    sources.push(doc.name);
  }
  const facts: ClusterFacts = {
    windowsPool: options.windowsPool as string[] | undefined,
    vmasPool: options.vmasPool as string[] | undefined,
    serviceCidr: options.serviceCidr as string | undefined,
    podCidr: options.podCidr as string | undefined,
    nodeSubnetCidr: options.nodeSubnetCidr as string[] | undefined,
    apiServerFqdn: options.apiServerFqdn as string | undefined,
    istio: options.istio === true,
    monitoring: options.monitoring === true,
  };
  if ((facts.istio || facts.monitoring) && !('ISTIO_SERVICE_ENTRY_NEEDED' in FINDING_SEVERITY)) {
    throw new InputError('--istio and --monitoring are not available in this build (its rules know no add-ons).');
  }
  const context = withFacts(base, facts);
  if (context !== base) sources.push('the command line');
  return { context, source: sources.length ? sources.join(' and ') : null };
}

/** Reads and classifies one file holding one config; InputError for anything unreadable. */
async function load(path: string, options: Options): Promise<{ doc: JsonDocument; config: ConfigDocument }> {
  const doc = await readJsonDocument(path);
  return { doc, config: singleConfig(doc, kindOf(options)) };
}

function counts(findings: readonly Finding[]): string {
  const n = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return `${plural(n('error'), 'error')}, ${plural(n('warning'), 'warning')}, ${plural(n('info'), 'info')}`;
}

/** `file:line:column: severity CODE: message (at pointer)`, the form editors and CI problem matchers read. */
function findingLines(doc: Pick<JsonDocument, 'name' | 'locate'>, findings: readonly Finding[]): string[] {
  return findings.map((f) => {
    const { line, column } = doc.locate(f.pointer).start;
    const at = f.pointer === '' ? '' : ` (at ${f.pointer})`;
    return `${doc.name}:${line}:${column}: ${f.severity} ${f.code}: ${f.message}${at}`;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// validate

interface Validated {
  doc: JsonDocument;
  config: ConfigDocument;
  answer: ValidationResult;
  cluster: string | null;
}

export async function validateCommand(files: string[], options: Options): Promise<number> {
  if (files.filter((f) => f === '-').length > 1) throw new InputError('stdin (-) can be read only once.');
  const remote = typeof options.server === 'string';
  if (!remote && typeof options.cluster === 'string') throw new InputError('--cluster names a cluster of the service: use it with --server.');
  const { context, source } = remote ? { context: null, source: null } : await clusterContext(options);
  if (remote && (options.clusterFile !== undefined || options.windowsPool !== undefined || options.vmasPool !== undefined || options.serviceCidr !== undefined || options.podCidr !== undefined || options.nodeSubnetCidr !== undefined || options.apiServerFqdn !== undefined)) {
    throw new InputError('with --server the service holds the cluster facts: use --cluster NAME instead of the fact options.');
  }
  const server = remote ? serverFrom(options) : null;

  const results: Validated[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      const doc = await readJsonDocument(file);
      for (const config of configDocuments(doc, kindOf(options))) {
        let cluster = context;
        let from = source;
        if (!cluster && config.kind === 'az-show' && !remote) {
          // The az aks show output describes its own cluster: its pools and network apply (not its config as "current").
          cluster = clusterFromAzShow(doc.name, doc.value, normalize, false);
          from = 'the file itself';
        }
        const raw = server ? await validateRemote(server, doc.name, config.config) : validate(config.config, { now: new Date(), cluster });
        const answer = documentFindings(raw, config);
        results.push({ doc, config, answer, cluster: server ? (server.cluster ? `${server.cluster} (from ${server.url})` : null) : from });
      }
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(error.message);
      warn(error.message);
    }
  }

  const failOn = RANK[(options.failOn as Severity | undefined) ?? 'error'];
  const failed = results.some((r) => r.answer.findings.some((f) => RANK[f.severity] <= failOn));

  if (options.json) {
    for (const r of results) if (r.config.kind !== 'cli') warn(`${r.doc.name}: ${r.config.label}; pointers lead into the file (${r.config.at}).`);
    const body = files.length === 1 && results.length === 1 ? results[0]!.answer : results.map((r) => ({ file: r.doc.name, ...r.answer }));
    if (results.length > 0 || files.length > 1) await emit(`${JSON.stringify(body, null, 2)}\n`, options.output);
  } else if (options.sarif) {
    for (const r of results) if (r.config.kind !== 'cli') warn(`${r.doc.name}: ${r.config.label}; pointers lead into the file (${r.config.at}).`);
    const { sarifLog } = require('./sarif') as typeof import('./sarif');
    const log = sarifLog(
      results.map((r) => ({ name: r.doc.name === STDIN_NAME ? 'stdin' : r.doc.name, findings: r.answer.findings, locate: r.doc.locate })),
      { version: packageVersion(), notifications: problems },
    );
    await emit(`${JSON.stringify(log, null, 2)}\n`, options.output);
  } else {
    const lines: string[] = [];
    for (const r of results) {
      const verdict = r.answer.valid ? 'valid' : 'invalid';
      const cluster = r.cluster ? `; cluster facts from ${r.cluster}` : '';
      lines.push(`${r.doc.name}: ${r.config.label}${cluster}: ${verdict} (${counts(r.answer.findings)})`);
      lines.push(...findingLines(r.doc, r.answer.findings));
    }
    if (lines.length > 0) await emit(`${lines.join('\n')}\n`, options.output);
  }

  if (problems.length > 0) return EXIT.usage;
  return failed ? EXIT.findings : EXIT.ok;
}

// ---------------------------------------------------------------------------------------------------------------
// --server

interface Server {
  url: string;
  token: string;
  cluster: string | null;
}

function serverFrom(options: Options): Server {
  const raw = options.server as string;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`--server ${raw} is not an absolute URL (e.g. https://aks-proxy.example/).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(`--server ${raw} must be an http or https URL.`);
  const token = process.env.AKS_PROXY_CONFIG_TOKEN;
  if (!token) throw new InputError('--server needs a token with the reader role in the environment variable AKS_PROXY_CONFIG_TOKEN.');
  return { url: url.toString().replace(/\/+$/, ''), token, cluster: typeof options.cluster === 'string' ? options.cluster : null };
}

async function validateRemote(server: Server, name: string, config: unknown): Promise<ValidationResult> {
  const query = server.cluster ? `?cluster=${encodeURIComponent(server.cluster)}` : '';
  let response: Response;
  try {
    response = await fetch(`${server.url}/v1/validate${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(config),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new InputError(`${name}: could not reach ${server.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}.`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (response.status !== 200 || typeof body !== 'object' || body === null || !('findings' in body)) {
    const problem = (body ?? {}) as { code?: string; detail?: string; title?: string };
    const what = [problem.code, problem.detail ?? problem.title].filter(Boolean).join(': ');
    throw new InputError(`${name}: ${server.url} answered ${response.status}${what ? ` ${what}` : ''}.`);
  }
  return body as ValidationResult;
}

// ---------------------------------------------------------------------------------------------------------------
// explain

const MAX_URLS = 50;
const MAX_URL_LENGTH = 2048;

export async function explainCommand(file: string, options: Options): Promise<number> {
  const urls = (options.url as string[] | undefined) ?? [];
  if (urls.length === 0 || urls.length > MAX_URLS) throw new InputError(`give 1 to ${MAX_URLS} URLs with --url (the service's bound).`);
  const long = urls.find((u) => u.length > MAX_URL_LENGTH);
  if (long !== undefined) throw new InputError(`a URL is longer than ${MAX_URL_LENGTH} characters: ${long.slice(0, 60)}...`);
  const facts = await clusterContext(options);
  const { doc, config } = await load(file, options);
  // An az aks show output describes its own cluster: its network joins NO_PROXY as AKS adds it.
  const context = facts.context ?? (config.kind === 'az-show' ? clusterFromAzShow(doc.name, doc.value, normalize, false) : null);
  if (typeof config.config !== 'object' || config.config === null || Array.isArray(config.config)) {
    throw new InputError(`${doc.name}: the config must be a JSON object (the content of the --http-proxy-config file).`);
  }
  const { explainAsWritten, renderExplainMarkdown } = domain.explain();
  const validation = validate(config.config, { now: new Date(), cluster: context });
  const result = explainAsWritten(config.config, validation.normalized, urls, context?.network);
  const { findings } = documentFindings(validation, config);

  if (options.json) {
    await emit(`${JSON.stringify({ ...result, findings }, null, 2)}\n`, options.output);
  } else if (options.markdown) {
    await emit(renderExplainMarkdown(result), options.output);
  } else {
    await emit(explainTable(result), options.output);
  }
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0 && !options.json) {
    warn(`${doc.name}: AKS would refuse this config (${plural(errors.length, 'error')}); the routes above are what the clients would do with it as written:`);
    for (const line of findingLines(doc, errors)) warn(line);
  }
  return EXIT.ok;
}

function explainTable(result: ExplainResult): string {
  const { CLIENT_IDS } = domain.explain();
  const lines: string[] = [`NO_PROXY the pods get: ${result.effectiveNoProxy.join(',') || '(empty)'}`];
  const width = Math.max(...CLIENT_IDS.map((c) => c.length));
  for (const r of result.results) {
    lines.push('', r.url);
    if (r.error !== undefined || !r.clients) {
      lines.push(`  ${r.error ?? 'not explained'}`);
      continue;
    }
    const routes = CLIENT_IDS.map((id) => {
      const v = r.clients?.[id];
      return v ? (v.proxy === null ? 'direct' : `proxy ${v.proxy}`) : '';
    });
    const routeWidth = Math.max(...routes.map((s) => s.length));
    CLIENT_IDS.forEach((id, i) => {
      const reason = r.clients?.[id]?.reason ?? '';
      lines.push(`  ${id.padEnd(width)}  ${routes[i]!.padEnd(routeWidth)}  ${reason}`.trimEnd());
    });
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// render

function refuse(doc: JsonDocument, config: ConfigDocument, answer: ValidationResult, what: string): number {
  const { findings } = documentFindings(answer, config);
  const errors = findings.filter((f) => f.severity === 'error');
  warn(`${doc.name}: the service would not accept this config (${plural(errors.length, 'error')}), so it ${what}:`);
  for (const line of findingLines(doc, errors)) warn(line);
  return EXIT.findings;
}

export async function renderCommand(file: string, options: Options): Promise<number> {
  const format = options.format as string;
  const renderers = domain.render();
  if (!renderers.isRenderFormat(format)) {
    throw new InputError(`--format ${format} is not available in this build (it renders ${renderers.RENDER_FORMATS.join(', ')}).`);
  }
  const { context } = await clusterContext(options);
  const { doc, config } = await load(file, options);
  const answer = validate(config.config, { now: new Date(), cluster: context });
  if (!answer.valid) return refuse(doc, config, answer, 'has no approved version to render');
  // The IPs behind the proxy host names (istio), as a cluster's network.proxyAddresses holds them in the service.
  const proxyAddresses = (options.proxyAddress as string[] | undefined) ?? null;
  const target = {
    clusterName: options.name as string,
    resourceGroup: options.resourceGroup as string,
    subscriptionId: (options.subscription as string | undefined) ?? null,
    proxyAddresses,
  };
  let rendering: ReturnType<typeof renderers.render>;
  try {
    // The cluster file's current config stands for the approved version before this one (az: --enable-http-proxy
    // after a disabled proxy).
    rendering = renderers.render(format, answer.normalized, target, { precedingApproved: context?.currentConfig ?? null });
  } catch (error) {
    // The format cannot express this config (the service's 409 RENDER_UNSUPPORTED): what to do is in the message.
    if ((error as Error)?.name === 'RenderUnsupportedError') {
      const hint = (format as string) === 'istio' && !proxyAddresses ? ' (Here: give those addresses with --proxy-address IP...)' : '';
      throw new InputError(`${doc.name}: cannot render it as ${format}: ${(error as Error).message}${hint}`);
    }
    throw error;
  }
  await emit(rendering.body, options.output);
  return EXIT.ok;
}

// ---------------------------------------------------------------------------------------------------------------
// diff

function versionNumber(value: unknown, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${option} must be a version number (1, 2, ...).`);
  return n;
}

export async function diffCommand(oldFile: string, newFile: string, options: Options): Promise<number> {
  if (oldFile === '-' && newFile === '-') throw new InputError('stdin (-) can be read only once.');
  const from = versionNumber(options.fromVersion, '--from-version');
  const to = versionNumber(options.toVersion, '--to-version');
  const before = await load(oldFile, options);
  const after = await load(newFile, options);
  const now = new Date();
  const a = validate(before.config.config, { now });
  const b = validate(after.config.config, { now });
  if (!a.valid) return refuse(before.doc, before.config, a, 'cannot be a version to compare');
  if (!b.valid) return refuse(after.doc, after.config, b, 'cannot be a version to compare');
  const diff = domain.diff().diffVersions({ version: from, config: a.normalized, certificates: a.certificates }, { version: to, config: b.normalized, certificates: b.certificates });
  if (options.json) await emit(`${JSON.stringify(diff, null, 2)}\n`, options.output);
  else if (options.markdown) await emit(domain.diffMarkdown().diffToMarkdown(diff, options.name as string), options.output);
  else await emit(diffText(diff), options.output);
  return EXIT.ok;
}

function diffText(diff: ConfigDiff): string {
  const lines: string[] = [diff.summary];
  if (!diff.changed) return `${lines.join('\n')}\n`;
  for (const p of diff.proxies) lines.push(`${p.field}: ${p.from ?? '(none)'} \u2192 ${p.to ?? '(none)'}`);
  if (diff.noProxy.added.length || diff.noProxy.removed.length) {
    lines.push('noProxy:');
    for (const e of diff.noProxy.added) lines.push(`  + ${e}`);
    for (const e of diff.noProxy.removed) lines.push(`  \u2212 ${e}`);
  }
  if (diff.trustedCa.added.length || diff.trustedCa.removed.length) {
    lines.push('trustedCa:');
    for (const c of diff.trustedCa.added) lines.push(`  + ${c.subject} (sha256 ${c.sha256Fingerprint.slice(0, 16)}…, until ${c.notAfter})`);
    for (const c of diff.trustedCa.removed) lines.push(`  \u2212 ${c.subject} (sha256 ${c.sha256Fingerprint.slice(0, 16)}…, until ${c.notAfter})`);
  }
  if (diff.impact.length) {
    lines.push('impact:');
    for (const f of diff.impact) lines.push(`  ${f.severity} ${f.code}: ${f.message}`);
  }
  return `${lines.join('\n')}\n`;
}
