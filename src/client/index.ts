import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema';

export type { components, paths } from './schema';

/** The service's typed client: paths, bodies and responses from openapi/openapi.json (src/client/schema.d.ts). */
export type ApiClient = Client<paths>;

/**
 * A typed client of the service at `baseUrl`, calling with a Bearer token (an API key's or an OIDC access token);
 * `headers` are sent on every call too (with no token: the Authorization header, if any, is yours).
 */
export function createApiClient(
  baseUrl: string,
  token: string | null,
  options: { fetch?: typeof fetch; headers?: Record<string, string> } = {},
): ApiClient {
  const { headers, ...rest } = options;
  return createClient<paths>({ baseUrl, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers }, ...rest });
}
