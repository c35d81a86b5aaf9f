/**
 * "Near misses": NO_PROXY entries that a reader would expect to cover a host but that a client does not honour
 * (a `*.` wildcard in curl, a CIDR in urllib, a leading dot in Go...). Client models append these to a
 * "proxy used" reason so the reason says which entry did not do what its author meant.
 */
import { parseIPv4Strict, parseIPv6, prefixEqual, bytesEqual, mapped } from './ip';

export interface EntryShape {
  /** The entry as written (trimmed). */
  raw: string;
  kind: 'all' | 'cidr' | 'ip' | 'name';
  /** Lower-cased host part without wildcard, dots, brackets and port. */
  base: string;
  /** What was in front of the name: '', '.', '*.' or '*' (as in `*corp.example`). */
  lead: '' | '.' | '*.' | '*';
  port: number | null;
  /** 16-byte address (IPv4 mapped) for 'ip' and 'cidr'. */
  addr: number[] | null;
  /** Prefix length over the 16 bytes, for 'cidr'. */
  bits: number;
}

/** How a reader would understand one entry; null for an empty or unreadable entry. */
export function shapeOf(raw: string): EntryShape | null {
  const e = raw.trim().toLowerCase();
  if (e === '') return null;
  if (e === '*') return { raw: raw.trim(), kind: 'all', base: '', lead: '', port: null, addr: null, bits: 0 };
  const slash = e.indexOf('/');
  if (slash >= 0) {
    const ipText = e.slice(0, slash);
    const bitsText = e.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bitsText)) return null;
    const bits = Number(bitsText);
    const v4 = parseIPv4Strict(ipText);
    if (v4 && bits <= 32) return { raw: raw.trim(), kind: 'cidr', base: ipText, lead: '', port: null, addr: mapped(v4), bits: bits + 96 };
    const v6 = parseIPv6(ipText);
    if (v6 && bits <= 128) return { raw: raw.trim(), kind: 'cidr', base: ipText, lead: '', port: null, addr: v6, bits };
    return null;
  }
  let host = e;
  let port: number | null = null;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(e);
  if (bracket) {
    host = bracket[1]!;
    port = bracket[2] !== undefined ? Number(bracket[2]) : null;
  } else if ((e.match(/:/g) ?? []).length === 1) {
    const hp = /^(.*):(\d+)$/.exec(e);
    if (hp) {
      host = hp[1]!;
      port = Number(hp[2]);
    }
  }
  const v4 = parseIPv4Strict(host);
  const v6 = v4 ? null : parseIPv6(host);
  if (v4 || v6) return { raw: raw.trim(), kind: 'ip', base: host, lead: '', port, addr: v4 ? mapped(v4) : v6, bits: 128 };
  let lead: EntryShape['lead'] = '';
  if (host.startsWith('*.')) lead = '*.';
  else if (host.startsWith('.')) lead = '.';
  else if (host.startsWith('*')) lead = '*';
  const base = host.slice(lead.length).replace(/\.$/, '');
  if (base === '') return null;
  return { raw: raw.trim(), kind: 'name', base, lead, port, addr: null, bits: 0 };
}

/** The request's host as the hints see it: lower-cased, no brackets, its address when it is an IP literal. */
export interface HintTarget {
  host: string;
  addr: number[] | null;
  port: number;
}

export function hintTarget(hostname: string, port: number): HintTarget {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const v4 = parseIPv4Strict(h);
  const v6 = v4 ? null : parseIPv6(h);
  return { host: h, addr: v4 ? mapped(v4) : v6, port };
}

export type Cover = 'all' | 'apex' | 'subdomain' | 'ip' | 'cidr';

/** What a generous reader expects the entry to cover for this target, or null. */
export function naiveCover(shape: EntryShape, t: HintTarget): Cover | null {
  if (shape.port !== null && shape.port !== t.port) return null;
  switch (shape.kind) {
    case 'all':
      return 'all';
    case 'cidr':
      return t.addr && prefixEqual(t.addr, shape.addr!, shape.bits) ? 'cidr' : null;
    case 'ip':
      if (!t.addr) return null;
      if (bytesEqual(t.addr, shape.addr!)) return 'ip';
      return null;
    case 'name':
      if (t.addr) return null;
      if (t.host === shape.base) return 'apex';
      if (t.host.endsWith('.' + shape.base)) return 'subdomain';
      return null;
  }
}

/**
 * Remembers the result for the last input text only: one explain request runs every client model on every URL with
 * the same NO_PROXY value, so parsing it once instead of (URLs × clients) times keeps a long noProxy list from
 * stalling the event loop. Results are shared: callers must not change them.
 */
export function lastTextMemo<T>(fn: (text: string) => T): (text: string) => T {
  let lastText: string | null = null;
  let lastResult: T;
  return (text: string) => {
    if (text !== lastText) {
      lastResult = fn(text);
      lastText = text;
    }
    return lastResult;
  };
}

const shapesOf = lastTextMemo((noProxy: string): readonly EntryShape[] => {
  const out: EntryShape[] = [];
  for (const piece of noProxy.split(/[,\s]+/)) {
    const shape = shapeOf(piece);
    if (shape) out.push(shape);
  }
  return out;
});

/** Entries (as written in a NO_PROXY value) that look like they cover the target. */
export function nearMisses(noProxy: string, t: HintTarget): { shape: EntryShape; cover: Cover }[] {
  const out: { shape: EntryShape; cover: Cover }[] = [];
  for (const shape of shapesOf(noProxy)) {
    const cover = naiveCover(shape, t);
    if (cover) out.push({ shape, cover });
  }
  return out;
}

/** True when the target is a host name and the NO_PROXY value has CIDR entries (which need DNS to apply to names). */
export function cidrEntries(noProxy: string): string[] {
  return shapesOf(noProxy).filter((shape) => shape.kind === 'cidr').map((shape) => shape.raw);
}

/**
 * Joins notes about entries a client ignores to a base reason. `why` returns the client's own explanation, or null
 * when the entry is not a near miss for that client.
 */
export function withNotes(base: string, notes: (string | null)[]): string {
  const kept = [...new Set(notes.filter((n): n is string => !!n))];
  if (kept.length === 0) return base;
  const shown = kept.slice(0, 3);
  const more = kept.length > shown.length ? ` (and ${kept.length - shown.length} more)` : '';
  return `${base}; note: ${shown.join('; ')}${more}`;
}

export const q = (s: string): string => JSON.stringify(s);
