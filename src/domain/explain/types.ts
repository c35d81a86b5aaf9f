/**
 * Shared types of the "explain" module: which HTTP clients are modelled and what each one says about a URL.
 * Nothing here does I/O: no process.env, no DNS, no network.
 */

/** The clients the API names (API.md "Explain"); the order is the order of every rendering. */
export const CLIENT_IDS = ['go', 'curl', 'python-urllib', 'python-requests', 'node-undici', 'ruby'] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

/** Human names for renderings. */
export const CLIENT_LABELS: Readonly<Record<ClientId, string>> = {
  go: 'Go (net/http, x/net/http/httpproxy)',
  curl: 'curl / libcurl',
  'python-urllib': 'Python urllib',
  'python-requests': 'Python requests',
  'node-undici': 'Node undici (EnvHttpProxyAgent)',
  ruby: 'Ruby (URI#find_proxy)',
};

/**
 * What one client does with one URL. `proxy` is the proxy URL as that client uses it, or null for a direct request
 * or for none at all: when the client makes no request (unsupported scheme, unparsable URL, an environment it
 * refuses), the reason says "no request" (see `makesNoRequest`).
 */
export interface ClientVerdict {
  proxy: string | null;
  reason: string;
}

/** True when the verdict says the client makes no request at all (rather than a direct one). */
export const makesNoRequest = (v: ClientVerdict): boolean => v.proxy === null && /\bno request\b/.test(v.reason);

/** An environment map, e.g. the one AKS injects into pods. Absent variables are absent or `undefined`. */
export type EnvMap = Readonly<Record<string, string | undefined>>;

/** The signature every client model has. */
export type ClientModel = (url: string, env: EnvMap) => ClientVerdict;
