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

/**
 * What the API answers for one client (API.md "Explain": `proxy: null` always means "goes direct"): the verdict,
 * or, when the client makes no request at all, `{ error: "no request", reason }` with no `proxy` member, so that a
 * failing client never reads as a direct one.
 */
export interface ClientAnswer {
  /** The proxy this client uses, or null for a direct request; absent when it makes no request. */
  proxy?: string | null;
  reason: string;
  /** "no request" when the client makes none (then there is no `proxy`). */
  error?: 'no request';
}

/** The API's answer for a model's verdict. */
export const answerOf = (v: ClientVerdict): ClientAnswer => (makesNoRequest(v) ? { error: 'no request', reason: v.reason } : v);

/** True when the answer is that the client makes no request. */
export const isNoRequest = (a: ClientAnswer): boolean => a.error !== undefined;

/** An environment map, e.g. the one AKS injects into pods. Absent variables are absent or `undefined`. */
export type EnvMap = Readonly<Record<string, string | undefined>>;

/** The signature every client model has. */
export type ClientModel = (url: string, env: EnvMap) => ClientVerdict;
