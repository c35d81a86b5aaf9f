import { createPrivateKey } from 'node:crypto';

/**
 * Findings quote what the user wrote so a portal can show it beside the field. A value can hold key material (a
 * private key pasted into noProxy, base64 of a PEM key, a key used as a key name...), which must never be echoed:
 * not in a message, not in a pointer.
 *
 * What counts as key material is a run of 32 or more base64 characters (`A-Z a-z 0-9 + / =`) that
 * - holds `+` or `=` (no host name, field name or pointer does), or
 * - mixes upper-case letters, lower-case letters and digits, unless it is a JSON pointer made of words and
 *   indexes (`/properties/httpProxyConfig/NOPROXY/0`), or
 * - holds a `/` and mixes upper-case and lower-case letters, unless it is such a pointer (a slice of base64 with
 *   no digit in it, cut by a slash: `scnpZFrBmQxV//cxrokSJBlmcxQhrAncAASKoAiS`), or
 * - holds an unbroken stretch of 32 or more letters and digits with both in it (base64 that was lower-cased, hex), or
 * - holds 40 or more letters in a row (a lower-cased slice of base64 that happens to hold no digit), or
 * - is 64 or more characters long with letters and digits (a lower-cased PEM line cut by slashes).
 * Hyphens and dots break runs, so host names (`aks-prod-cluster-westeurope-0123abcd.corp.example`, labels of up to
 * 63 characters) stay readable, and so do the service's own words (`HTTPProxyTrustedCAPEMDecodeFailure`).
 */
const BASE64_CANDIDATE_MIN = 32;
/** JavaScript's `\s` outside ASCII (inside it: tab, line feed, vertical tab, form feed, carriage return, space). */
const NON_ASCII_SPACE = /\s/;

const isBase64Char = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 47 && c <= 57) || c === 43 || c === 61; // A-Z a-z / 0-9 + =

/**
 * The maximal runs of at least `min` characters of `[A-Za-z0-9+/=]` (with `spaces`: `[A-Za-z0-9+/=\s]`), as
 * [start, end) pairs: exactly what `text.match(/[...]{min,}/g)` finds, in one pass (the regular expression retries
 * from every character of a shorter run, which on prose costs a few microseconds per sentence).
 */
function runsOf(text: string, min: number, spaces: boolean): number[] {
  const out: number[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : -1;
    const inRun =
      c >= 0 && (isBase64Char(c) || (spaces && (c === 32 || (c >= 9 && c <= 13) || (c >= 128 && NON_ASCII_SPACE.test(text[i])))));
    if (inRun) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start >= min) out.push(start, i);
      start = -1;
    }
  }
  return out;
}
const LONG_ALNUM = /[A-Za-z0-9]{32,}/g;
// a JSON pointer: segments that are indexes or words (lower, UPPER or camelCase: each capital inside a word starts
// a part of two or more lower-case letters, or the trailing capitals), never the random case of base64
const POINTER_LIKE = /^(?:\/(?:[A-Z]?[a-z]+(?:[A-Z][a-z]{2,})*[A-Z]*|[A-Z]+|[0-9]+))+$/;

function looksLikeKeyMaterial(run: string): boolean {
  if (/[+=]/.test(run)) return true;
  const mixedCase = /[A-Z]/.test(run) && /[a-z]/.test(run);
  if (mixedCase && (/[0-9]/.test(run) || run.includes('/')) && !POINTER_LIKE.test(run)) return true;
  for (const stretch of run.match(LONG_ALNUM) ?? []) {
    if (/[0-9]/.test(stretch) && /[A-Za-z]/.test(stretch)) return true;
  }
  // 40 or more letters without a break: no word or host label is that long, a lower-cased slice of base64 can be
  if (/[A-Za-z]{40,}/.test(run)) return true;
  // a whole lower-cased PEM line (64 characters) whose slashes cut every letter-and-digit stretch short
  return run.length >= 64 && /[0-9]/.test(run) && /[A-Za-z]/.test(run);
}

const withheld = (n: number): string => `[${n} characters withheld]`;

/** Replaces every run of key material in a text with `[N characters withheld]`; leaves everything else. */
export function redactKeyMaterial(text: string): string {
  if (text.length < BASE64_CANDIDATE_MIN) return text; // fast path: no run can be long enough (noProxy lists run this per entry)
  const runs = runsOf(text, BASE64_CANDIDATE_MIN, false);
  let out = '';
  let done = 0;
  for (let r = 0; r < runs.length; r += 2) {
    const run = text.slice(runs[r], runs[r + 1]);
    if (!looksLikeKeyMaterial(run)) continue;
    out += text.slice(done, runs[r]) + withheld(run.length);
    done = runs[r + 1];
  }
  return done === 0 ? text : out + text.slice(done);
}

/** Placeholders redactKeyMaterial() writes (for callers that cut redacted text without splitting one). */
export const WITHHELD = /\[\d+ characters withheld\]/g;

/** Whether a text holds a private key (PEM or base64 of PEM) or any run of key material. */
export function holdsKeyMaterial(text: string): boolean {
  if (containsPrivateKey(text) || /-----BEGIN /.test(text) || redactKeyMaterial(text) !== text) return true;
  // percent-encoded (a key pasted into a URL): judged decoded, since `%2B`, `%2F` and `%20` break the runs above
  if (text.length < 32 || !text.includes('%')) return false;
  const decoded = percentDecodedFully(text);
  return decoded !== text && (containsPrivateKey(decoded) || /-----BEGIN /.test(decoded) || redactKeyMaterial(decoded) !== decoded);
}

/** A user-chosen name made safe to echo: withheld whole when it holds key material, else unchanged. */
export function safeName(text: string): string {
  return holdsKeyMaterial(text) ? withheld(text.length) : text;
}

const PRIVATE_KEY = /PRIVATE KEY/i;
const BASE64_RUN_MIN = 40;

/**
 * Whether a free text (a reason, a comment) holds a private key: PEM text, base64 of PEM text, or base64 of the
 * key's DER (a PEM body without its BEGIN/END lines). Such text must
 * never be stored: versions and the append-only audit trail would keep it for ever.
 */
export function containsPrivateKey(text: string): boolean {
  return PRIVATE_KEY.test(text) || holdsBase64OfPrivateKey(text);
}

/**
 * Whether bytes are a private key in DER (PKCS#8, SEC1 or PKCS#1): the body of a PEM block pasted without its
 * BEGIN/END lines. Base64 of DER starts with `M` (a SEQUENCE), which is checked first, so other text costs nothing.
 */
function isDerPrivateKey(der: Buffer): boolean {
  for (const type of ['pkcs8', 'sec1', 'pkcs1'] as const) {
    try {
      createPrivateKey({ key: der, format: 'der', type });
      return true;
    } catch {
      // not this encoding
    }
  }
  return false;
}

/** The 6-bit value of each base64 character code (`A-Z a-z 0-9 + /`), -1 for any other (`=` included). */
const BASE64_VALUE = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();
/** `PRIVATE KEY` in ASCII: what PRIVATE_KEY (case-insensitive) finds in the latin1 text of decoded bytes. */
const PRIVATE_KEY_BYTES = [...'PRIVATE KEY'].map((ch) => ch.charCodeAt(0));

/**
 * Whether the base64 characters of text[start, end) decode, as Buffer.from(·, 'base64') decodes them (to the first
 * `=`, trailing bits dropped), to bytes whose latin1 text PRIVATE_KEY matches: `PRIVATE KEY` in any ASCII case (no
 * latin1 byte above 0x7f folds to an ASCII letter). Any other character (whitespace) is skipped. Decodes on the fly
 * with a rolling match, no Buffer and no string: most runs tested are prose, which this rejects in one pass.
 */
function decodesToPrivateKeyText(text: string, start: number, end: number): boolean {
  let bits = 0;
  let acc = 0;
  let matched = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 61 /* = */) break;
    const v = c < 128 ? BASE64_VALUE[c] : -1;
    if (v < 0) continue;
    acc = ((acc & 0xffff) << 6) | v;
    bits += 6;
    if (bits < 8) continue;
    bits -= 8;
    let byte = (acc >> bits) & 0xff;
    if (byte >= 97 && byte <= 122) byte -= 32; // a-z as A-Z
    // No prefix of `PRIVATE KEY` is also a suffix of a longer prefix of it, so a mismatch restarts at 0 (or 1).
    if (byte === PRIVATE_KEY_BYTES[matched]) {
      if (++matched === PRIVATE_KEY_BYTES.length) return true;
    } else matched = byte === PRIVATE_KEY_BYTES[0] ? 1 : 0;
  }
  return false;
}

/** Whether a text holds base64 of PEM private-key text (one block wrapped over lines, or a word of a sentence). */
function holdsBase64OfPrivateKey(text: string): boolean {
  if (text.length < 40) return false; // no base64 run can be long enough
  // text[start, end) holds only base64 characters (and, when `whole`, whitespace, which does not count)
  const decodesToKey = (start: number, end: number, base64Chars: number, first: number): boolean => {
    if (base64Chars < 40) return false;
    if (decodesToPrivateKeyText(text, start, end)) return true;
    if (first !== 77 /* M */) return false;
    // base64 of DER starts with `M` (a SEQUENCE): the rare candidate is decoded for real and tried as a key
    const b64 = text.slice(start, end).replace(/\s+/g, '');
    return isDerPrivateKey(Buffer.from(b64, 'base64'));
  };
  const runs = runsOf(text, BASE64_RUN_MIN, true);
  for (let r = 0; r < runs.length; r += 2) {
    const start = runs[r];
    const end = runs[r + 1];
    // the run as one block (base64 wrapped over lines: its whitespace dropped)
    let count = 0;
    let first = -1;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c < 128 && isBase64Char(c)) {
        if (first < 0) first = c;
        count++;
      }
    }
    if (decodesToKey(start, end, count, first)) return true;
    // each word of it (base64 inside a sentence), also after an `=` (a query such as `?k=<base64>`: padding is
    // only ever at the end, so splitting there keeps every real base64 body whole)
    let word = -1;
    for (let i = start; i <= end; i++) {
      const c = i < end ? text.charCodeAt(i) : -1;
      const inWord = c >= 0 && c !== 61 && c < 128 && isBase64Char(c);
      if (inWord) {
        if (word < 0) word = i;
      } else if (word >= 0) {
        if (decodesToKey(word, i, i - word, text.charCodeAt(word))) return true;
        word = -1;
      }
    }
  }
  return false;
}

// Private keys only: certificates are public and are quoted in findings.
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----|$)/g;
const PEM_MARKER = /-----(?:BEGIN|END) [A-Z0-9 ]{0,40}PRIVATE KEY-----/g;

/** Percent-decoding that never throws (a lone `%` or a bad UTF-8 sequence stays as written). */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%[0-9A-Fa-f]{2}/g, (m) => {
      const code = parseInt(m.slice(1), 16);
      return code < 0x80 ? String.fromCharCode(code) : m;
    });
  }
}

/** Decoded as often as it was encoded (a path segment encoded twice hides `%2B` as `%252B`), three times at most. */
function percentDecodedFully(text: string): string {
  let decoded = text;
  for (let i = 0; i < 3 && decoded.includes('%'); i++) {
    const next = percentDecoded(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  return decoded;
}

/**
 * THE rule for any text the service echoes or logs that came from a caller (explain URLs, error details, 404
 * paths, validation messages, findings, log lines): key material never leaves the process.
 * - PEM private-key blocks (`-----BEGIN ... PRIVATE KEY-----` to its END line, or to the end when cut off) become
 *   `[N characters withheld]`, and so does any remaining private-key marker line (certificates are public);
 * - runs of key material (base64 of a key or of its PEM text, hex; see redactKeyMaterial) the same;
 * - text that is percent-encoded (a URL, a query, a path; even twice) is judged decoded: when the decoded form
 *   holds key material, the decoded form is what is redacted and returned, so `%2B`/`%3D` cannot hide a key.
 * Text without any of these comes back unchanged, as the same string.
 */
export function redactSecrets(text: string): string {
  if (text.length < 32) return text; // nothing shorter can hold a key run or a PEM marker
  let out = text;
  if (out.includes('%')) {
    const decoded = percentDecodedFully(out);
    if (decoded !== out && holdsKeyMaterial(decoded)) out = decoded;
  }
  if (out.includes('PRIVATE KEY-----')) out = out.replace(PEM_BLOCK, (m) => withheld(m.length)).replace(PEM_MARKER, (m) => withheld(m.length));
  out = redactKeyMaterial(out);
  // base64 of PEM text wrapped over lines (runs shorter than redactKeyMaterial's): the whole text is withheld
  if (holdsBase64OfPrivateKey(out)) return withheld(out.length);
  return out;
}

/** redactSecrets over every string in a JSON-like value (a problem document's members); other values unchanged. */
export function redactSecretsDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redactSecretsDeep(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactSecretsDeep(v, depth + 1);
  return out as T;
}
