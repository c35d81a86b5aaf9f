import { containsPrivateKey, holdsKeyMaterial, safeName } from './redact';

/** Deeper than this (or with more than MAX_NODES values), the rest of the document is cut off. */
const MAX_DEPTH = 64;
const MAX_NODES = 200_000;

const withheld = (n: number): string => `[${n} characters withheld]`;

/**
 * The config document as it was sent, kept with a version (`submitted`) so that every finding's pointer resolves
 * against it, with private-key material removed: a string value that holds a private key (PEM or base64 of PEM) is
 * replaced by `[N characters withheld]`, and a key that holds key material is renamed the way the findings' pointers
 * name it (`safeName`, the same segment parse.ts writes), so pointers still resolve. Everything else is kept as sent:
 * key spelling (`trustedCA`, `http_proxy`), order of `noProxy` entries, duplicates.
 *
 * Pure; returns a fresh copy and never throws on JSON input.
 */
export function submittedDocument(input: unknown): unknown {
  let nodes = 0;
  const copy = (value: unknown, depth: number): unknown => {
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) return null;
    if (typeof value === 'string') return containsPrivateKey(value) ? withheld(value.length) : value;
    if (value === null || typeof value !== 'object') {
      return typeof value === 'number' || typeof value === 'boolean' ? value : null;
    }
    if (Array.isArray(value)) return value.map((v) => copy(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const name = holdsKeyMaterial(key) ? safeName(key) : key;
      Object.defineProperty(out, name, { value: copy(v, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return copy(input, 0);
}
