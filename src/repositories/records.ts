import { type CertificateDescription, type ClusterAddons, type ClusterNetwork, type Finding, NO_ADDONS, type NodePool, type ProxyConfig } from '../domain/proxy-config';
import type { ApiKey, Cluster, ConfigVersion, Decision, IdempotencyRecord, Prisma } from '../generated/prisma/client';

/**
 * The rows as the rest of the code sees them: JSON columns already typed as the domain's shapes. The repositories
 * convert once, here, on the way out (`toX`) and on the way in (`json`); nothing else casts a JSON column.
 */
export type ClusterRecord = Omit<Cluster, 'nodePools' | 'network' | 'addons'> & {
  nodePools: NodePool[];
  network: ClusterNetwork | null;
  addons: ClusterAddons;
};

export type VersionRecord = Omit<ConfigVersion, 'config' | 'findings' | 'certificates'> & {
  config: ProxyConfig;
  findings: Finding[];
  certificates: CertificateDescription[];
};

export type DecisionRecord = Decision;

export type VersionWithDecisions = VersionRecord & { decisions: DecisionRecord[] };

export type ApiKeyRecord = ApiKey;

export type IdempotencyRow = Omit<IdempotencyRecord, 'headers'> & { headers: Record<string, string> };

/** A domain value stored in a JSON column. */
export const json = (value: unknown): Prisma.InputJsonValue => value as Prisma.InputJsonValue;

/** The stored add-ons as the domain type: both flags always present, false unless stored as true. */
export function toClusterAddons(stored: unknown): ClusterAddons {
  const a = stored !== null && typeof stored === 'object' ? (stored as Partial<Record<keyof ClusterAddons, unknown>>) : {};
  return { istio: a.istio === true || NO_ADDONS.istio, monitoring: a.monitoring === true || NO_ADDONS.monitoring };
}

export const toCluster = (row: Cluster): ClusterRecord => ({
  ...row,
  nodePools: row.nodePools as unknown as NodePool[],
  network: (row.network as unknown as ClusterNetwork | null) ?? null,
  addons: toClusterAddons(row.addons),
});

type WithDomainJson<R extends ConfigVersion> = Omit<R, 'config' | 'findings' | 'certificates'> & Omit<VersionRecord, keyof ConfigVersion> &
  Pick<VersionRecord, 'config' | 'findings' | 'certificates'>;

export const toVersion = <R extends ConfigVersion>(row: R): WithDomainJson<R> => ({
  ...row,
  config: row.config as unknown as ProxyConfig,
  findings: row.findings as unknown as Finding[],
  certificates: row.certificates as unknown as CertificateDescription[],
});

/** A version as a diff reads it: without its findings and submitted document (see VersionsRepository.forDiff). */
export type DiffVersionRecord = Omit<VersionWithDecisions, 'findings' | 'submitted'>;

export const toDiffVersion = (row: Omit<ConfigVersion, 'findings' | 'submitted'> & { decisions: Decision[] }): DiffVersionRecord => ({
  ...row,
  config: row.config as unknown as ProxyConfig,
  certificates: row.certificates as unknown as CertificateDescription[],
});

export const toIdempotency = (row: IdempotencyRecord): IdempotencyRow => ({ ...row, headers: row.headers as Record<string, string> });
