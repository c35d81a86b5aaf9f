import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditEventHash, auditHashParts, type AuditEventContent } from './audit-chain';

// The database chains appended events itself (AuditRepository.append): it hashes prevHash, "\n", prefix, seq and
// suffix. That must be exactly auditEventHash, or audit/verify would fail on every event written.
describe('auditHashParts', () => {
  const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
  const event = fc.record({
    seq: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    at: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
    actor: fc.string(),
    via: nullable(fc.string()),
    action: fc.string(),
    cluster: nullable(fc.string()),
    version: nullable(fc.integer({ min: 0, max: 2 ** 31 - 1 })),
    requestId: nullable(fc.string()),
    details: fc.dictionary(fc.string(), fc.jsonValue()),
  });

  it('splits the canonical JSON around seq so the hash is the same as auditEventHash', () => {
    fc.assert(
      fc.property(event, fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')), (e: AuditEventContent, prev) => {
        const { prefix, suffix } = auditHashParts(e);
        const hash = createHash('sha256').update(`${prev}\n${prefix}${e.seq}${suffix}`).digest('hex');
        expect(hash).toBe(auditEventHash(prev, e));
      }),
    );
  });
});
