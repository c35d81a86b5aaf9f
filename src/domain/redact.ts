/**
 * Findings quote what the user wrote so a portal can show it beside the field. A value can hold key material
 * (a private key pasted into noProxy, base64 of a PEM key...), which must never be echoed. Any run of 32 or more
 * base64/hex-like characters is replaced: no host name label, URL or noProxy entry worth quoting has one.
 */
const LONG_TOKEN = /[A-Za-z0-9+/=_-]{32,}/g;

export function redactLongTokens(text: string): string {
  return text.replace(LONG_TOKEN, (run) => `[${run.length} characters withheld]`);
}

const PRIVATE_KEY = /PRIVATE KEY/i;
const BASE64_RUN = /[A-Za-z0-9+/=\s]{40,}/g;

/**
 * Whether a free text (a reason, a comment) holds a private key: PEM text, or base64 of PEM text. Such text must
 * never be stored: versions and the append-only audit trail would keep it for ever.
 */
export function containsPrivateKey(text: string): boolean {
  if (PRIVATE_KEY.test(text)) return true;
  const decodesToKey = (b64: string) => b64.length >= 40 && PRIVATE_KEY.test(Buffer.from(b64, 'base64').toString('latin1'));
  for (const run of text.match(BASE64_RUN) ?? []) {
    // the run as one block (base64 wrapped over lines), and each word of it (base64 inside a sentence)
    if (decodesToKey(run.replace(/\s+/g, ''))) return true;
    if (run.split(/\s+/).some(decodesToKey)) return true;
  }
  return false;
}
