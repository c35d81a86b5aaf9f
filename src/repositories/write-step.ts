import type { Prisma } from '../generated/prisma/client';

/**
 * Data-modifying CTEs of a write (`name AS (INSERT ...), other AS (UPDATE ...)`), run in the one statement that
 * appends the write's audit events (AuditRepository.append), so the change, its audit events and the move of the
 * chain head cost one round trip. Built only by the repositories; the services pass it on as it is.
 */
export interface WriteStep {
  readonly ctes: Prisma.Sql;
}
