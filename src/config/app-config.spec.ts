import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('has defaults that start the service on embedded PGlite in ./data', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.storage).toEqual({ kind: 'pglite', dataDir: expect.stringMatching(/\/data$/) });
    expect(c.logLevel).toBe('info');
    expect(c.migrateOnStart).toBe(true);
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@db:5432/x' }).storage).toEqual({ kind: 'postgres', url: 'postgresql://u@db:5432/x' });
  });

  it('DATA_DIR=:memory: keeps PGlite in memory', () => {
    expect(loadConfig({ DATA_DIR: ':memory:' }).storage).toEqual({ kind: 'pglite', dataDir: null });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['LOG_LEVEL', 'loud'],
    ['ADMIN_TOKEN', 'short'],
    ['MIGRATE_ON_START', 'maybe'],
    ['CORS_ORIGINS', 'portal.example.com'],
    ['RATE_LIMIT_PER_MINUTE', '-1'],
    ['OIDC_ISSUER', 'login.microsoftonline.com/tenant/v2.0'],
    ['OIDC_ISSUER', 'http://login.microsoftonline.com/tenant/v2.0'],
    ['OIDC_ISSUER', 'https://issuer.example/?tenant=x'],
    ['OIDC_ROLE_MAP', 'ProxyConfig.Read'],
    ['OIDC_ROLE_MAP', 'ProxyConfig.Read=superuser'],
    ['OIDC_JWKS_MAX_AGE_S', '0'],
    ['OIDC_JWKS_COOLDOWN_S', 'soon'],
    ['OIDC_ACTOR_CLAIM', 'preferred username'],
  ])('a bad %s (%s) stops start-up with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('OIDC is off without OIDC_ISSUER; with it, OIDC_AUDIENCE is required (named) and the rest has defaults', () => {
    expect(loadConfig({}).oidc).toBeNull();
    const issuer = 'https://login.microsoftonline.com/0b1c2d3e-0000-4000-8000-000000000000/v2.0';
    expect(() => loadConfig({ OIDC_ISSUER: issuer })).toThrow(/OIDC_AUDIENCE/);
    expect(loadConfig({ OIDC_ISSUER: issuer, OIDC_AUDIENCE: 'client-id' }).oidc).toEqual({
      issuer,
      audience: 'client-id',
      actorClaim: null,
      rolesClaim: 'roles',
      roleMap: null,
      jwksMaxAgeSeconds: 600,
      jwksCooldownSeconds: 30,
    });
    expect(loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:8080', OIDC_AUDIENCE: 'a' }).oidc?.issuer).toBe('http://127.0.0.1:8080');
  });

  it('OIDC_ROLE_MAP maps Entra ID app role values to roles', () => {
    const c = loadConfig({
      OIDC_ISSUER: 'https://issuer.example',
      OIDC_AUDIENCE: 'a',
      OIDC_ROLE_MAP: ' ProxyConfig.Read=reader, ProxyConfig.Admin=admin,ProxyConfig.Admin=approver ',
    });
    expect(c.oidc?.roleMap).toEqual({ 'ProxyConfig.Read': ['reader'], 'ProxyConfig.Admin': ['admin', 'approver'] });
  });
});
