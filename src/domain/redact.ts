/**
 * Findings quote what the user wrote so a portal can show it beside the field. A value can hold key material
 * (a private key pasted into noProxy, base64 of a PEM key...), which must never be echoed. Any run of 32 or more
 * base64/hex-like characters is replaced: no host name label, URL or noProxy entry worth quoting has one.
 */
const LONG_TOKEN = /[A-Za-z0-9+/=_-]{32,}/g;

export function redactLongTokens(text: string): string {
  return text.replace(LONG_TOKEN, (run) => `[${run.length} characters withheld]`);
}
