import type { DiffVersionFacts } from '../domain/diff-markdown';
import type { CertificateDescription, Finding, ProxyConfig } from '../domain/proxy-config';
import type { DecisionRecord, DiffVersionRecord, VersionWithDecisions } from '../repositories/records';

export interface DecisionView {
  actor: string;
  via: string | null;
  decision: 'approve' | 'reject';
  comment: string;
  at: string;
}

export interface VersionView {
  cluster: string;
  version: number;
  status: string;
  config: ProxyConfig;
  contentHash: string;
  findings: Finding[];
  certificates: CertificateDescription[];
  reason: string;
  changeTicket: string | null;
  submittedBy: string;
  submittedVia: string | null;
  submittedAt: string;
  requiredApprovals: number;
  revertOf: number | null;
  decisions: DecisionView[];
  approvedAt: string | null;
  closedAt: string | null;
  /** The config document as it was sent (private-key material removed); findings' pointers resolve against it. */
  submitted: unknown;
}

export function versionView(cluster: string, v: VersionWithDecisions): VersionView {
  return {
    cluster,
    version: v.version,
    status: v.status,
    config: v.config,
    contentHash: v.contentHash,
    findings: v.findings,
    certificates: v.certificates,
    reason: v.reason,
    changeTicket: v.changeTicket,
    submittedBy: v.submittedBy,
    submittedVia: v.submittedVia,
    submittedAt: v.submittedAt.toISOString(),
    requiredApprovals: v.requiredApprovals,
    revertOf: v.revertOf,
    decisions: decisionViews(v.decisions),
    approvedAt: v.approvedAt?.toISOString() ?? null,
    closedAt: v.closedAt?.toISOString() ?? null,
    submitted: v.submitted,
  };
}

/** Decisions oldest first (then by actor), as the API shows them. */
function decisionViews(decisions: readonly DecisionRecord[]): DecisionView[] {
  return [...decisions]
    .sort((a, b) => a.at.getTime() - b.at.getTime() || a.actor.localeCompare(b.actor))
    .map((d) => ({ actor: d.actor, via: d.via, decision: d.decision, comment: d.comment, at: d.at.toISOString() }));
}

/** What the Markdown of a diff says about its version (the same values as its VersionView). */
export function diffFacts(v: DiffVersionRecord): DiffVersionFacts {
  return {
    status: v.status,
    submittedBy: v.submittedBy,
    submittedVia: v.submittedVia,
    submittedAt: v.submittedAt.toISOString(),
    reason: v.reason,
    changeTicket: v.changeTicket,
    requiredApprovals: v.requiredApprovals,
    decisions: decisionViews(v.decisions),
  };
}
