import { NotFoundException } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseConnection } from '../database/database-connection';
import { ServiceError } from '../common/service-error';
import { RenderUnsupportedError } from '../domain/errors';
import { toProblem } from './problem-details.filter';

describe('toProblem', () => {
  it('maps service errors to their status and keeps their code and extra members', () => {
    const { problem } = toProblem(new ServiceError('unprocessable', 'CONFIG_INVALID', 'bad', { findings: [] }));
    expect(problem).toMatchObject({ status: 422, code: 'CONFIG_INVALID', detail: 'bad', findings: [], title: 'Unprocessable Content' });
  });

  it('maps the domain\'s RenderUnsupportedError to 409 RENDER_UNSUPPORTED with its message', () => {
    const { problem, unexpected } = toProblem(new RenderUnsupportedError('terraform', 'azurerm cannot disable the proxy.'));
    expect(problem).toMatchObject({ status: 409, code: 'RENDER_UNSUPPORTED', detail: 'azurerm cannot disable the proxy.', title: 'Conflict' });
    expect(unexpected).toBe(false);
  });

  it('maps Nest HTTP exceptions', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x')).problem).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it.each([
    ['pg: connection terminated', Object.assign(new Error('Connection terminated unexpectedly'), {})],
    ['pg: client not queryable', new Error('Client has encountered a connection error and is not queryable')],
    ['server shutting down (57P01) inside a driver adapter error', Object.assign(new Error('postgres'), { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '57P01', message: 'terminating connection due to administrator command' } })],
    ['refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['Prisma transaction closed (P2028)', Object.assign(new Error('Transaction already closed'), { name: 'PrismaClientKnownRequestError', code: 'P2028' })],
    ['nested cause', Object.assign(new Error('query failed'), { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) })],
    ['database closed to connections (ALLOW_CONNECTIONS false: 55000)', Object.assign(new Error('postgres'), { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '55000', message: 'database "x" is not currently accepting connections' } })],
    ['deadlock (40P01) inside a driver adapter error', Object.assign(new Error('postgres'), { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '40P01', message: 'deadlock detected' } })],
  ])('a database that went away is 503 DATABASE_UNAVAILABLE with Retry-After: %s', (_label, error) => {
    const { problem, headers, unexpected } = toProblem(error);
    expect(problem).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(headers['retry-after']).toBe('2');
    expect(unexpected).toBe(false);
  });

  describe('values the database refuses are 400 BAD_REQUEST, not 500 (errors from a real PGlite through Prisma)', () => {
    let db: DatabaseConnection;
    beforeAll(async () => {
      db = await openDatabase({ kind: 'pglite', dataDir: null }, { poolSize: 1 });
    });
    afterAll(async () => {
      await db?.close();
    });

    it.each([
      ['a NUL character in text (22021)', 'SELECT $1::text', 'a\u0000b'],
      ['a NUL escape in jsonb (22P05)', 'SELECT $1::jsonb', JSON.stringify({ a: '\u0000' })],
      ['an unpaired surrogate in jsonb (22P02)', 'SELECT $1::jsonb', JSON.stringify({ a: '\ud800' })],
      ['an integer out of range (22003)', 'SELECT $1::int4', 99_999_999_999],
    ])('%s', async (_label, sql, value) => {
      const error = await db.prisma.$queryRawUnsafe(sql, value).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).not.toBeNull();
      const { problem, unexpected } = toProblem(error);
      expect(problem).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
      expect(unexpected).toBe(false);
    });

    it('a query that is simply wrong stays a 500 (a bug to log, not the caller\'s fault)', async () => {
      const error = await db.prisma.$queryRawUnsafe('SELECT * FROM no_such_table').catch((e: unknown) => e);
      expect(toProblem(error).problem.status).toBe(500);
    });
  });

  it('anything else is a 500 INTERNAL without details', () => {
    const { problem, unexpected } = toProblem(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(problem.detail).not.toContain('undefined');
    expect(unexpected).toBe(true);
  });
});
