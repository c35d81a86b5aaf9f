/**
 * Explain: for a proxy config and some URLs, what each HTTP client in a pod does (API.md "Explain").
 *
 * Pure: no process.env, no DNS, no network. Each client model reads an environment map the way that client reads
 * the process environment; `explain` feeds them the environment AKS injects (environment.ts).
 *
 * A URL that cannot be explained (not an absolute `http`/`https` URL with a host, bad IPv6 brackets, non-numeric
 * port, whitespace) does not throw: its result is `{ url, error }` with no `clients` (API.md: `proxy: null` always
 * means "goes direct", so no client may read as direct for it). A client that makes no request for a valid URL
 * answers `{ error: "no request", reason }` (types.ts `ClientAnswer`).
 *
 * `explain` takes a config as stored (normalized); `explainAsWritten` a config as submitted, entries validation
 * refuses included.
 */
import type { ClusterNetwork, ProxyConfig } from '../proxy-config';
import { effectiveNoProxy } from '../aks';
import { aksProxyEnvironment, noProxyAsWritten } from './environment';
import { configAsWritten } from './as-written';
import { answerOf, CLIENT_IDS, type ClientAnswer, type ClientId, type ClientModel, type EnvMap } from './types';
import { splitUrl } from './url';
import { redactSecrets } from '../redact';
import { goProxyForUrl } from './go';
import { curlProxyForUrl } from './curl';
import { urllibProxyForUrl } from './python-urllib';
import { requestsProxyForUrl } from './python-requests';
import { undiciProxyForUrl } from './node-undici';
import { rubyFindProxy } from './ruby';

export { CLIENT_IDS, CLIENT_LABELS } from './types';
export type { ClientAnswer, ClientId, ClientVerdict, EnvMap, ClientModel } from './types';
export { answerOf, isNoRequest, makesNoRequest } from './types';
export { aksProxyEnvironment, noProxyAsWritten, type AksProxyEnvironment } from './environment';
export { configAsWritten, dedupeNoProxy } from './as-written';
export { goProxyForUrl } from './go';
export { curlProxyForUrl } from './curl';
export { urllibProxyForUrl } from './python-urllib';
export { requestsProxyForUrl } from './python-requests';
export { undiciProxyForUrl } from './node-undici';
export { rubyFindProxy } from './ruby';
export { renderExplainMarkdown } from './markdown';

/** The client models by API id. */
export const CLIENT_MODELS: Readonly<Record<ClientId, ClientModel>> = {
  go: goProxyForUrl,
  curl: curlProxyForUrl,
  'python-urllib': urllibProxyForUrl,
  'python-requests': requestsProxyForUrl,
  'node-undici': undiciProxyForUrl,
  ruby: rubyFindProxy,
};

/** One URL's answer: per client, or why the URL cannot be explained (then `error` and no `clients`). */
export interface ExplainUrlResult {
  /** The URL as given. */
  url: string;
  clients?: Record<ClientId, ClientAnswer>;
  /** "invalid URL: ..."; set only when the URL cannot be explained. */
  error?: string;
}

export interface ExplainResult {
  effectiveNoProxy: string[];
  results: ExplainUrlResult[];
}

/**
 * The most (URL × NO_PROXY entry) pairs one explain request may ask for: every client model reads every entry for
 * every URL, and 50 URLs against a 10,000-entry list kept the event loop busy for seconds. 25,000 pairs is 50 URLs
 * against 500 entries, or 2,500 entries against 10 URLs.
 */
export const MAX_EXPLAIN_PAIRS = 25_000;

/** Why an explain request is too large to answer at once (a message naming the limit), or null. */
export function explainBudgetProblem(urlCount: number, noProxyCount: number): string | null {
  if (urlCount * Math.max(1, noProxyCount) <= MAX_EXPLAIN_PAIRS) return null;
  return `Explaining ${urlCount} URLs against ${noProxyCount} noProxy entries is ${urlCount * noProxyCount} pairs, over the limit of ${MAX_EXPLAIN_PAIRS}; send fewer URLs per request.`;
}

/** Why a URL cannot be explained, or null when it can. */
export function urlProblem(url: string): string | null {
  if (typeof url !== 'string' || url.trim() === '') return 'the URL is empty';
  if (/[\s\x00-\x1f\x7f]/.test(url)) return 'the URL contains whitespace or control characters';
  const parts = splitUrl(url);
  if (!parts) return 'not an absolute http or https URL (expected http(s)://host[:port]/path, IPv6 hosts in brackets, a numeric port)';
  if (!parts.hasAuthority) return 'not an absolute http or https URL (expected http(s)://host[:port]/path, e.g. https://mcr.microsoft.com/)';
  if (parts.scheme !== 'http' && parts.scheme !== 'https') return `only http and https URLs can be explained, not ${parts.scheme}`;
  if (parts.hostname === '') return 'the URL has no host (expected http(s)://host[:port]/path)';
  if (parts.port !== null && Number(parts.port) > 65535) return 'the URL has an invalid port';
  return null;
}

/** Runs every client model on one URL with one environment. */
export function explainUrl(url: string, env: EnvMap): ExplainUrlResult {
  const problem = urlProblem(url);
  // The URL is echoed, so key material in it (a key pasted as a URL, a token in a query) is withheld (redact.ts).
  const shown = redactSecrets(url);
  if (problem) return { url: shown, error: `invalid URL: ${problem}` };
  const clients = {} as Record<ClientId, ClientAnswer>;
  for (const id of CLIENT_IDS) {
    const answer = answerOf(CLIENT_MODELS[id](url, env));
    clients[id] = shown === url ? answer : { ...answer, reason: redactSecrets(answer.reason) };
  }
  return { url: shown, clients };
}

/**
 * For each URL and each client: proxy or direct, and why, in the environment AKS injects for `config` on a cluster
 * with `network` (when known: its API server FQDN and CIDRs join NO_PROXY).
 */
export function explain(config: ProxyConfig, urls: readonly string[], network?: ClusterNetwork | null): ExplainResult {
  return explainWith(config, effectiveNoProxy(config.noProxy, network), urls, network);
}

/**
 * explain() for a config as submitted (POST /v1/explain): `input` is the CLI file as the user sent it, `normalized`
 * what validation made of it. The environment holds the noProxy entries and proxy URLs as written (as-written.ts),
 * so entries that validation drops still reach the clients and the reasons.
 */
export function explainAsWritten(
  input: unknown,
  normalized: ProxyConfig,
  urls: readonly string[],
  network?: ClusterNetwork | null,
): ExplainResult {
  const config = configAsWritten(input, normalized);
  return explainWith(config, noProxyAsWritten(config.noProxy, network), urls, network);
}

function explainWith(config: ProxyConfig, noProxy: string[], urls: readonly string[], network?: ClusterNetwork | null): ExplainResult {
  const env = aksProxyEnvironment(config, network, noProxy);
  return { effectiveNoProxy: noProxy, results: urls.map((url) => explainUrl(url, env)) };
}
