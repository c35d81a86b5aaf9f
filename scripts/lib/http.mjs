// A small JSON client over Node's fetch for setup, fault clients and checks (not for load: autocannon does that).

export class NetworkError extends Error {
  constructor(method, path, cause) {
    super(`${method} ${path}: ${cause?.cause?.code ?? cause?.cause?.message ?? cause?.message ?? cause}`);
    this.name = 'NetworkError';
    this.network = true;
  }
}

/**
 * request(baseUrl, method, path, { token, body, headers, timeoutMs }) → { status, headers, body, text }.
 * Throws NetworkError when no HTTP answer came back (refused, reset, timed out): the outcome is unknown.
 */
export async function request(baseUrl, method, path, { token, body, headers = {}, timeoutMs = 20_000 } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  let res;
  let text;
  try {
    res = await fetch(baseUrl + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    throw new NetworkError(method, path, err);
  }
  let parsed = null;
  if (/json/.test(res.headers.get('content-type') ?? '')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A client bound to one base URL and token. */
export function client(baseUrl, token) {
  const call = (method, path, opts = {}) => request(baseUrl, method, path, { token, ...opts });
  return {
    baseUrl,
    token,
    get: (path, opts) => call('GET', path, opts),
    post: (path, body, opts = {}) => call('POST', path, { ...opts, body }),
    patch: (path, body, opts = {}) => call('PATCH', path, { ...opts, body }),
  };
}

/** Throws unless the response has the expected status; the message shows the problem document. */
export function expectStatus(res, expected, what) {
  const ok = Array.isArray(expected) ? expected.includes(res.status) : res.status === expected;
  if (!ok) throw new Error(`${what}: expected ${expected}, got ${res.status}: ${res.text.slice(0, 400)}`);
  return res;
}

/** Creates an API key through the admin token; returns its token. */
export async function createKey(baseUrl, adminToken, name, roles) {
  const res = await request(baseUrl, 'POST', '/v1/api-keys', { token: adminToken, body: { name, roles } });
  expectStatus(res, 201, `create key ${name}`);
  return res.body.token;
}

/** Every item of a paginated collection (follows nextCursor; bounded by maxPages). */
export async function collectAll(api, path, { limit = 200, maxPages = 10_000 } = {}) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await api.get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expectStatus(res, 200, `GET ${path}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error(`GET ${path}: more than ${maxPages} pages`);
}
