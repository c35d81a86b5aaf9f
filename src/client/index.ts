import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema';

export type { components, paths } from './schema';

/** The service's typed client: paths, bodies and responses from openapi/openapi.json (src/client/schema.d.ts). */
export type ApiClient = Client<paths>;

/** A typed client of the service at `baseUrl`, calling with an API key token. */
export function createApiClient(baseUrl: string, token: string, options: { fetch?: typeof fetch } = {}): ApiClient {
  return createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` }, ...options });
}
