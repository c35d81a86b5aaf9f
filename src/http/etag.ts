import type { RevisionPrecondition } from '../common/precondition';
import { ServiceError } from '../common/service-error';

export const etagFor = (revision: number) => `"r${revision}"`;

/**
 * If-Match against the cluster's revision: absent or `*` passes; otherwise one of the listed ETags must be the current
 * one under strong comparison (RFC 9110 13.1.1: a weak `W/"r5"` never matches), else 412 PRECONDITION_FAILED.
 */
export function checkIfMatch(ifMatch: string | undefined, revision: number): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const current = etagFor(revision);
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (!tags.includes(current)) {
    throw new ServiceError(
      'precondition_failed',
      'PRECONDITION_FAILED',
      `If-Match ${ifMatch} is stale: the cluster is now at ${current}; fetch it again and retry.`,
      { currentEtag: current },
    );
  }
}

/** The If-Match header as a precondition for a service: it checks the revision the service locked. */
export const ifMatch =
  (header: string | undefined): RevisionPrecondition =>
  (revision) =>
    checkIfMatch(header, revision);
