import type { ClusterAddons, ClusterNetwork, Finding, NodePool } from '../domain/proxy-config';
import type { ClusterRecord, VersionRecord } from '../repositories/records';

export interface VersionSummary {
  version: number;
  status: string;
  contentHash: string;
  submittedBy: string;
  submittedAt: string;
  approvedAt: string | null;
}

export interface ClusterView {
  name: string;
  resourceGroup: string;
  subscriptionId: string | null;
  location: string | null;
  nodePools: NodePool[];
  network: ClusterNetwork | null;
  addons: ClusterAddons;
  requiredApprovals: number;
  revision: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  currentVersion?: VersionSummary | null;
  latestVersion?: VersionSummary | null;
  /** The latest observation: { state, version, observedAt }, or null when none was posted. */
  deployment?: { state: string; version: number | null; observedAt: string } | null;
  /** Findings that make the current approved config unusable on the cluster as it is now; [] when none. */
  blockers?: Finding[];
}

export function versionSummary(v: VersionRecord | null | undefined): VersionSummary | null {
  if (!v) return null;
  return {
    version: v.version,
    status: v.status,
    contentHash: v.contentHash,
    submittedBy: v.submittedBy,
    submittedAt: v.submittedAt.toISOString(),
    approvedAt: v.approvedAt?.toISOString() ?? null,
  };
}

export function clusterView(c: ClusterRecord): ClusterView {
  return {
    name: c.name,
    resourceGroup: c.resourceGroup,
    subscriptionId: c.subscriptionId,
    location: c.location,
    nodePools: c.nodePools,
    network: c.network,
    addons: { ...c.addons },
    requiredApprovals: c.requiredApprovals,
    revision: c.revision,
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
