// A minimal OpenID issuer on loopback for the bench: the discovery document and a static JWKS, and access tokens
// signed here with jose (the service under test only ever fetches those two documents).
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export const BENCH_AUDIENCE = 'bench-aks-proxy-config';

export async function startStaticIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = 'bench-key-1';
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const counts = { discovery: 0, jwks: 0 };
  let issuer = '';
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      counts.discovery += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url === '/jwks') {
      counts.jwks += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    counts,
    /** An access token for `person` with `roles`, valid for `seconds`. */
    token(person, roles, seconds = 3600) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ preferred_username: person, roles })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(BENCH_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + seconds)
        .sign(privateKey);
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
