import type { FastifyReply } from 'fastify';
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

/**
 * If-None-Match against an ETag, with the weak comparison RFC 9110 13.1.2 prescribes for it (`W/"r5"` matches
 * `"r5"`); `*` matches any current representation.
 */
export function ifNoneMatchHits(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === wanted);
}

/**
 * Conditional GET (API.md Conventions): sets the ETag and, when If-None-Match names it, answers 304 with no body.
 * Returns true when the caller should send nothing more.
 */
export function answerConditionalGet(reply: FastifyReply, ifNoneMatch: string | undefined, etag: string): boolean {
  reply.header('etag', etag);
  if (!ifNoneMatchHits(ifNoneMatch, etag)) return false;
  reply.status(304);
  return true;
}

/** The If-Match header as a precondition for a service: it checks the revision the service locked. */
export const ifMatch =
  (header: string | undefined): RevisionPrecondition =>
  (revision) =>
    checkIfMatch(header, revision);

/** A GET's answer as it goes out: the serialized JSON body and its ETag. */
export interface EtaggedBody {
  etag: string;
  body: string;
}

/**
 * A conditional GET answered from a serialized body (API.md Conventions): sets the ETag, and answers 304 with no
 * body when If-None-Match names it, else the JSON body as it is (no second serialization).
 */
export function sendAnswer(reply: FastifyReply, ifNoneMatch: string | undefined, answer: EtaggedBody): string | undefined {
  reply.header('etag', answer.etag);
  if (ifNoneMatchHits(ifNoneMatch, answer.etag)) {
    reply.status(304);
    return undefined;
  }
  reply.type('application/json; charset=utf-8');
  return answer.body;
}
