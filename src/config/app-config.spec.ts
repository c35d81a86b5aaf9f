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
  ])('a bad %s (%s) stops start-up with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
