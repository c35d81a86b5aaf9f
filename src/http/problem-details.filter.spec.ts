import { NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../common/service-error';
import { toProblem } from './problem-details.filter';

describe('toProblem', () => {
  it('maps service errors to their status and keeps their code and extra members', () => {
    const { problem } = toProblem(new ServiceError('unprocessable', 'CONFIG_INVALID', 'bad', { findings: [] }));
    expect(problem).toMatchObject({ status: 422, code: 'CONFIG_INVALID', detail: 'bad', findings: [], title: 'Unprocessable Content' });
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
  ])('a database that went away is 503 DATABASE_UNAVAILABLE with Retry-After: %s', (_label, error) => {
    const { problem, headers, unexpected } = toProblem(error);
    expect(problem).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(headers['retry-after']).toBe('2');
    expect(unexpected).toBe(false);
  });

  it('anything else is a 500 INTERNAL without details', () => {
    const { problem, unexpected } = toProblem(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(problem.detail).not.toContain('undefined');
    expect(unexpected).toBe(true);
  });
});
