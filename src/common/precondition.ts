/**
 * A caller's condition on a resource's revision (from If-Match, parsed by the controller): services call it with the
 * revision they locked, and it throws 412 PRECONDITION_FAILED when the caller's copy is stale.
 */
export type RevisionPrecondition = (revision: number) => void;

export const ANY_REVISION: RevisionPrecondition = () => {};
