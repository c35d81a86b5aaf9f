import { ServiceError } from '../common/service-error';

export const etagFor = (revision: number) => `"r${revision}"`;

/**
 * If-Match against the cluster's revision: absent or `*` passes; otherwise one of the listed ETags (weak or strong)
 * must be the current one, else 412 PRECONDITION_FAILED.
 */
export function checkIfMatch(ifMatch: string | undefined, revision: number): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const current = etagFor(revision);
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (!tags.includes(current)) {
    throw new ServiceError(
      'precondition_failed',
      'PRECONDITION_FAILED',
      `If-Match ${ifMatch} is stale: the cluster is now at ${current}; fetch it again and retry.`,
      { currentEtag: current },
    );
  }
}
