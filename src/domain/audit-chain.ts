import { hash } from 'node:crypto';
import { stableStringify } from './canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

/** The part of an audit event the hash covers: everything but the hashes themselves. */
export interface AuditEventContent {
  seq: number;
  at: string; // RFC 3339 with milliseconds
  actor: string;
  via: string | null;
  action: string;
  cluster: string | null;
  version: number | null;
  requestId: string | null;
  details: unknown;
}

/** hash = sha256(prevHash + "\n" + canonical JSON of the event). Changing any field or the order breaks the chain. */
export function auditEventHash(prevHash: string, event: AuditEventContent): string {
  const content = stableStringify({
    seq: event.seq,
    at: event.at,
    actor: event.actor,
    via: event.via,
    action: event.action,
    cluster: event.cluster,
    version: event.version,
    requestId: event.requestId,
    details: event.details ?? {},
  });
  // one-shot: no Hash object per event (a verify hashes every event of the chain)
  return hash('sha256', `${prevHash}\n${content}`, 'hex');
}

/**
 * The canonical JSON of an event split around its `seq` (keys sort as action, actor, at, cluster, details, requestId,
 * seq, version, via), so the database can chain an event whose seq it assigns under the head lock:
 * hash = sha256(prevHash + "\n" + prefix + seq + suffix), the same as auditEventHash.
 */
export function auditHashParts(event: Omit<AuditEventContent, 'seq'>): { prefix: string; suffix: string } {
  const before = stableStringify({
    action: event.action,
    actor: event.actor,
    at: event.at,
    cluster: event.cluster,
    details: event.details ?? {},
    requestId: event.requestId,
  });
  const after = stableStringify({ version: event.version, via: event.via });
  return { prefix: `${before.slice(0, -1)},"seq":`, suffix: `,${after.slice(1)}` };
}

export type ChainCheck = { ok: true } | { ok: false; seq: number; reason: string };

/** Checks one event against the previous hash and the expected sequence number. */
export function checkChainLink(
  expectedSeq: number,
  expectedPrevHash: string,
  event: AuditEventContent & { prevHash: string; hash: string },
): ChainCheck {
  if (event.seq !== expectedSeq) return { ok: false, seq: expectedSeq, reason: `sequence gap: expected ${expectedSeq}, found ${event.seq}` };
  if (event.prevHash !== expectedPrevHash) return { ok: false, seq: event.seq, reason: 'prevHash does not match the previous event' };
  if (auditEventHash(event.prevHash, event) !== event.hash) return { ok: false, seq: event.seq, reason: 'hash does not match the event content' };
  return { ok: true };
}
