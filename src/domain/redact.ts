/**
 * Findings quote what the user wrote so a portal can show it beside the field. A value can hold key material (a
 * private key pasted into noProxy, base64 of a PEM key, a key used as a key name...), which must never be echoed:
 * not in a message, not in a pointer.
 *
 * What counts as key material is a run of 32 or more base64 characters (`A-Z a-z 0-9 + / =`) that
 * - holds `+` or `=` (no host name, field name or pointer does), or
 * - mixes upper-case letters, lower-case letters and digits, unless it is a JSON pointer made of words and
 *   indexes (`/properties/httpProxyConfig/NOPROXY/0`), or
 * - holds an unbroken stretch of 32 or more letters and digits with both in it (base64 that was lower-cased, hex).
 * Hyphens and dots break runs, so host names (`aks-prod-cluster-westeurope-0123abcd.corp.example`, labels of up to
 * 63 characters) stay readable, and so do the service's own words (`HTTPProxyTrustedCAPEMDecodeFailure`).
 */
const BASE64_CANDIDATE = /[A-Za-z0-9+/=]{32,}/g;
const LONG_ALNUM = /[A-Za-z0-9]{32,}/g;
const POINTER_LIKE = /^(?:\/(?:[A-Za-z]+|[0-9]+))+$/;

function looksLikeKeyMaterial(run: string): boolean {
  if (/[+=]/.test(run)) return true;
  if (/[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run) && !POINTER_LIKE.test(run)) return true;
  for (const stretch of run.match(LONG_ALNUM) ?? []) {
    if (/[0-9]/.test(stretch) && /[A-Za-z]/.test(stretch)) return true;
  }
  return false;
}

const withheld = (n: number): string => `[${n} characters withheld]`;

/** Replaces every run of key material in a text with `[N characters withheld]`; leaves everything else. */
export function redactKeyMaterial(text: string): string {
  if (text.length < 32) return text; // fast path: no run can be long enough (noProxy lists run this per entry)
  return text.replace(BASE64_CANDIDATE, (run) => (looksLikeKeyMaterial(run) ? withheld(run.length) : run));
}

/** Placeholders redactKeyMaterial() writes (for callers that cut redacted text without splitting one). */
export const WITHHELD = /\[\d+ characters withheld\]/g;

/** Whether a text holds a private key (PEM or base64 of PEM) or any run of key material. */
export function holdsKeyMaterial(text: string): boolean {
  return containsPrivateKey(text) || /-----BEGIN /.test(text) || redactKeyMaterial(text) !== text;
}

/** A user-chosen name made safe to echo: withheld whole when it holds key material, else unchanged. */
export function safeName(text: string): string {
  return holdsKeyMaterial(text) ? withheld(text.length) : text;
}

const PRIVATE_KEY = /PRIVATE KEY/i;
const BASE64_RUN = /[A-Za-z0-9+/=\s]{40,}/g;

/**
 * Whether a free text (a reason, a comment) holds a private key: PEM text, or base64 of PEM text. Such text must
 * never be stored: versions and the append-only audit trail would keep it for ever.
 */
export function containsPrivateKey(text: string): boolean {
  if (PRIVATE_KEY.test(text)) return true;
  if (text.length < 40) return false; // no base64 run can be long enough
  const decodesToKey = (b64: string) => b64.length >= 40 && PRIVATE_KEY.test(Buffer.from(b64, 'base64').toString('latin1'));
  for (const run of text.match(BASE64_RUN) ?? []) {
    // the run as one block (base64 wrapped over lines), and each word of it (base64 inside a sentence)
    if (decodesToKey(run.replace(/\s+/g, ''))) return true;
    if (run.split(/\s+/).some(decodesToKey)) return true;
  }
  return false;
}
