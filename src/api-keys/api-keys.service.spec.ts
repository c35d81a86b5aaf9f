import { describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import type { AuditService } from '../audit/audit.service';
import type { AppConfig } from '../config/app-config';
import type { DatabaseService } from '../database/database.service';
import { systemClock } from '../common/clock';
import { ApiKeysRepository } from '../repositories/api-keys.repository';
import type { Writes } from '../writes/writes.service';
import { ApiKeysService } from './api-keys.service';

/** A database with no keys that counts how often a key is looked up. */
function countingDatabase() {
  const lookups = { count: 0 };
  const database = {
    listen: () => () => true,
    prisma: {
      apiKey: {
        findUnique: async () => {
          lookups.count += 1;
          return null;
        },
      },
    },
  } as unknown as DatabaseService;
  return { database, lookups };
}

describe('ApiKeysService.authenticate with made-up tokens', () => {
  it('looks each unknown token up once per minute, not once per request', async () => {
    const { database, lookups } = countingDatabase();
    const keys = new ApiKeysService(database, new ApiKeysRepository(database), {} as Writes, {} as AuditService, { adminToken: null } as AppConfig, systemClock);
    for (let i = 0; i < 50; i++) expect(await keys.authenticate('apc_made-up-token-one')).toBeNull();
    expect(lookups.count).toBe(1);
    expect(await keys.authenticate('apc_made-up-token-two')).toBeNull();
    expect(lookups.count).toBe(2);
  });

  it('never looks up a token without the key prefix', async () => {
    const { database, lookups } = countingDatabase();
    const keys = new ApiKeysService(database, new ApiKeysRepository(database), {} as Writes, {} as AuditService, { adminToken: null } as AppConfig, systemClock);
    expect(await keys.authenticate('not-one-of-ours')).toBeNull();
    expect(lookups.count).toBe(0);
  });
});

describe('ApiKeysService.authenticateRequest on one connection', () => {
  it('judges each request by its own token, whatever the connection sent before', async () => {
    const { database } = countingDatabase();
    const admin = 'admin-token-0123456789abcdef0123';
    const keys = new ApiKeysService(database, new ApiKeysRepository(database), {} as Writes, {} as AuditService, { adminToken: admin } as AppConfig, systemClock);
    const socket = {};
    const request = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, raw: { socket } }) as unknown as FastifyRequest;
    expect(await keys.authenticateRequest(request(admin))).toMatchObject({ name: 'admin' });
    expect(await keys.authenticateRequest(request(admin))).toMatchObject({ name: 'admin' });
    // same length as the admin token, one character off; then another token altogether
    expect(await keys.authenticateRequest(request(`${admin.slice(0, -1)}4`))).toBeNull();
    expect(await keys.authenticateRequest(request('apc_made-up-token-one'))).toBeNull();
    expect(await keys.authenticateRequest(request(admin))).toMatchObject({ name: 'admin' });
    // a request without a socket (already gone) is judged too
    expect(await keys.authenticateRequest({ headers: { authorization: `Bearer ${admin}` }, raw: { socket: null } } as unknown as FastifyRequest)).toMatchObject({ name: 'admin' });
  });
});
