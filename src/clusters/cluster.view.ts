import { type ClusterAddons, type ClusterNetwork, NO_ADDONS, type NodePool } from '../domain/proxy-config';
import type { Cluster, ConfigVersion } from '../generated/prisma/client';

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
}

export function versionSummary(v: ConfigVersion | null | undefined): VersionSummary | null {
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

export function clusterView(c: Cluster): ClusterView {
  return {
    name: c.name,
    resourceGroup: c.resourceGroup,
    subscriptionId: c.subscriptionId,
    location: c.location,
    nodePools: c.nodePools as unknown as NodePool[],
    network: (c.network as ClusterNetwork | null) ?? null,
    addons: clusterAddons(c.addons),
    requiredApprovals: c.requiredApprovals,
    revision: c.revision,
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** The stored add-ons as the domain type: both flags always present, false unless stored as true. */
export function clusterAddons(stored: unknown): ClusterAddons {
  const a = stored !== null && typeof stored === 'object' ? (stored as Partial<Record<keyof ClusterAddons, unknown>>) : {};
  return { istio: a.istio === true || NO_ADDONS.istio, monitoring: a.monitoring === true || NO_ADDONS.monitoring };
}
