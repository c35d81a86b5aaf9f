import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type CryptoKey } from 'jose';
import Provider from 'oidc-provider';

/** The audience the service under test is configured with (Entra ID v2.0: the API's application (client) ID). */
export const AUDIENCE = '6f1c7a52-7d0e-4c1b-9a55-2f0d3c9b8e11';
/** The resource indicator (RFC 8707) clients ask tokens for; the provider maps it to AUDIENCE. */
export const SERVICE_RESOURCE = 'https://aks-proxy-config.test';

/** What each client's tokens say about its person (extraTokenClaims), by client id. */
export type ClientClaims = Record<string, Record<string, unknown>>;

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'PS256' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
}

export async function signingKey(kid: string, alg: SigningKey['alg'] = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk, privateJwk };
}

/**
 * A real OpenID Provider (oidc-provider, in-process) on a loopback port: discovery, JWKS and a token endpoint with
 * the client credentials grant and resource indicators, issuing JWT access tokens. `restart` swaps its signing keys
 * (a key rotation) on the same issuer URL; `stop` takes it down, `start` brings it back.
 */
export class TestIssuer {
  private server: Server | null = null;
  keys: SigningKey[] = [];

  private constructor(
    readonly port: number,
    private readonly claims: ClientClaims,
  ) {}

  get issuer(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A free loopback port where nothing listens yet (for an issuer that is down at the service's start-up). */
  static async freePort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return port;
  }

  static async create(claims: ClientClaims, options: { port?: number; keys?: SigningKey[]; start?: boolean } = {}): Promise<TestIssuer> {
    const issuer = new TestIssuer(options.port ?? (await TestIssuer.freePort()), claims);
    issuer.keys = options.keys ?? [await signingKey('key-1')];
    if (options.start !== false) await issuer.start();
    return issuer;
  }

  async start(keys: SigningKey[] = this.keys): Promise<void> {
    await this.stop();
    this.keys = keys;
    const provider = new Provider(this.issuer, {
      clients: Object.keys(this.claims).map((id) => ({
        client_id: id,
        client_secret: `secret-of-${id}-0123456789abcdef`,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
      })),
      jwks: { keys: keys.map((k) => k.privateJwk) },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => SERVICE_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resourceIndicator) => ({
            scope: 'api',
            audience: resourceIndicator === SERVICE_RESOURCE ? AUDIENCE : resourceIndicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 600,
            jwt: { sign: { alg: keys[0].alg } },
          }),
        },
      },
      extraTokenClaims: (_ctx, token) => this.claims[(token as { clientId: string }).clientId] ?? {},
    });
    const server = createServer(provider.callback());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** An access token through the client credentials grant, for `resource` (default: the service's). */
  async token(clientId: string, resource = SERVICE_RESOURCE): Promise<string> {
    const request = () => fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:secret-of-${clientId}-0123456789abcdef`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'api' }).toString(),
    });
    // a kept-alive connection to a provider that restarted (key rotation) fails once: ask again on a new one
    const res = await request().catch(request);
    const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
    if (res.status !== 200 || !body.access_token) throw new Error(`token for ${clientId}: ${res.status} ${body.error} ${body.error_description}`);
    return body.access_token;
  }
}
