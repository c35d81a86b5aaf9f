/**
 * Node.js undici EnvHttpProxyAgent (lib/dispatcher/env-http-proxy-agent.js), what `fetch` in Node uses when
 * NODE_USE_ENV_PROXY is on or an application installs it as the global dispatcher.
 *
 * - Variables: `http_proxy ?? HTTP_PROXY`, `https_proxy ?? HTTPS_PROXY`, `no_proxy ?? NO_PROXY`: a lower-case
 *   variable that is set, even empty, hides the upper-case one. An https URL without an https proxy uses the http
 *   proxy. A proxy value that is not a URL makes the agent's constructor throw.
 * - no_proxy: the whole value `*` bypasses everything. Otherwise entries split on commas and whitespace; `[v6]:port`,
 *   `host:port` (one colon), bare IPv6; a leading `.` or `*.` is removed. An entry matches the host (lower case,
 *   no brackets, compared as text) or any subdomain; an entry port must equal the URL's port or the scheme default.
 *   No CIDR.
 * - Only http and https URLs are requested (ws/wss go through the same agent as http/https).
 * - The proxy is shown as WHATWG URL href (`http://proxy:8080/`).
 */
import type { ClientVerdict, EnvMap } from './types';
import { hintTarget, lastTextMemo, nearMisses, q, withNotes } from './hints';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

export interface UndiciNoProxyEntry {
  hostname: string;
  port: number;
  raw: string;
}

/** #parseNoProxy (once per value: see lastTextMemo). */
export const undiciParseNoProxy = lastTextMemo(parseNoProxy);

function parseNoProxy(value: string): UndiciNoProxyEntry[] {
  const entries: UndiciNoProxyEntry[] = [];
  for (const entry of value.split(/[,\s]/)) {
    if (!entry) continue;
    let hostname: string;
    let port: number;
    const v6port = /^\[(.+)\]:(\d+)$/.exec(entry);
    if (v6port) {
      hostname = v6port[1]!;
      port = Number.parseInt(v6port[2]!, 10);
    } else {
      const unbracketed = entry.replace(/^\[(.+)\]$/, '$1');
      const colons = (unbracketed.match(/:/g) ?? []).length;
      const parsed = colons === 1 ? /^(.+):(\d+)$/.exec(unbracketed) : null;
      hostname = parsed ? parsed[1]! : unbracketed;
      port = parsed ? Number.parseInt(parsed[2]!, 10) : 0;
    }
    entries.push({ hostname: hostname.replace(/^\*?\./, '').toLowerCase(), port, raw: entry });
  }
  return entries;
}

function varOf(env: EnvMap, lower: string, upper: string): { name: string; value: string } | null {
  if (env[lower] !== undefined) return { name: lower, value: env[lower]! };
  if (env[upper] !== undefined) return { name: upper, value: env[upper]! };
  return null;
}

function href(value: string): string | null {
  try {
    return new URL(value).href;
  } catch {
    return null;
  }
}

function undiciWhyNot(raw: string, kind: string, lead: string): string {
  if (kind === 'all') return '"*" means "all hosts" to undici only as the whole no_proxy value';
  if (kind === 'cidr') return `undici has no CIDR support: ${q(raw)} never matches`;
  if (lead === '*') return `undici has no wildcard like ${q(raw)} (only a leading "*." or ".")`;
  if (kind === 'ip') return `undici compares addresses as text: ${q(raw)} is written differently from the URL's host`;
  return `undici does not match ${q(raw)} here`;
}

export function undiciProxyForUrl(url: string, env: EnvMap): ClientVerdict {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { proxy: null, reason: 'invalid URL: new URL() throws, no request is made' };
  }
  // undici's WebSocket dispatches ws:/wss: URLs as http:/https:.
  const protocol = parsed.protocol === 'ws:' ? 'http:' : parsed.protocol === 'wss:' ? 'https:' : parsed.protocol;
  if (protocol !== 'http:' && protocol !== 'https:')
    return { proxy: null, reason: `undici only makes http and https requests, not ${parsed.protocol.slice(0, -1)}: no request is made` };

  const httpVar = varOf(env, 'http_proxy', 'HTTP_PROXY');
  const httpsVar = varOf(env, 'https_proxy', 'HTTPS_PROXY');
  const httpAgent = httpVar && httpVar.value ? href(httpVar.value) : null;
  if (httpVar && httpVar.value && httpAgent === null)
    return { proxy: null, reason: `${httpVar.name} is not a valid URL: EnvHttpProxyAgent's constructor throws, no request is made` };
  const httpsOwn = httpsVar && httpsVar.value ? href(httpsVar.value) : null;
  if (httpsVar && httpsVar.value && httpsOwn === null)
    return { proxy: null, reason: `${httpsVar.name} is not a valid URL: EnvHttpProxyAgent's constructor throws, no request is made` };

  const hostname = parsed.host.replace(/:\d*$/, '').replace(/^\[(.+)\]$/, '$1').toLowerCase();
  const port = Number.parseInt(parsed.port, 10) || DEFAULT_PORTS[protocol] || 0;
  const noVar = varOf(env, 'no_proxy', 'NO_PROXY');
  const noValue = noVar?.value ?? '';
  const noName = noVar?.name ?? 'no_proxy';
  const entries = undiciParseNoProxy(noValue);
  if (entries.length > 0) {
    if (noValue === '*') return { proxy: null, reason: `${noName} is "*": undici bypasses the proxy for every host` };
    for (const entry of entries) {
      if (entry.port && entry.port !== port) continue;
      const onPort = entry.port ? ` on port ${entry.port}` : '';
      const stripped = /^\*?\./.test(entry.raw) ? ' (undici strips a leading "." or "*.")' : '';
      if (hostname === entry.hostname)
        return { proxy: null, reason: `${noName} entry ${q(entry.raw)} matches the host${onPort}${stripped}` };
      if (hostname.slice(-(entry.hostname.length + 1)) === `.${entry.hostname}`)
        return { proxy: null, reason: `${noName} entry ${q(entry.raw)} matches subdomains${onPort}${stripped}` };
    }
  }

  let proxy: string | null;
  let used: string;
  if (protocol === 'https:' && httpsOwn) {
    proxy = httpsOwn;
    used = `${httpsVar!.name} used`;
  } else if (protocol === 'https:') {
    proxy = httpAgent;
    used = httpAgent ? `https_proxy/HTTPS_PROXY not set, so undici uses ${httpVar!.name} for https too` : '';
  } else {
    proxy = httpAgent;
    used = httpAgent ? `${httpVar!.name} used` : '';
  }
  if (!proxy) {
    const hidden =
      httpVar && httpVar.value === '' && env['HTTP_PROXY']
        ? ' (an empty http_proxy hides HTTP_PROXY)'
        : '';
    return { proxy: null, reason: `no proxy variable set for ${protocol.slice(0, -1)}: direct${hidden}` };
  }
  const base = entries.length > 0 ? `no ${noName} entry matched; ${used}` : `no_proxy/NO_PROXY empty or not set; ${used}`;
  const misses = entries.length > 0 ? nearMisses(noValue, hintTarget(hostname, port)) : [];
  return { proxy, reason: withNotes(base, misses.map((m) => undiciWhyNot(m.shape.raw, m.shape.kind, m.shape.lead))) };
}
