import type { CertificateDescription, ClusterNetwork, Finding, NodePool, ProxyConfig } from '../domain/proxy-config';
import type { ApiKey, Cluster, ConfigVersion, Decision, IdempotencyRecord, Prisma } from '../generated/prisma/client';

/**
 * The rows as the rest of the code sees them: JSON columns already typed as the domain's shapes. The repositories
 * convert once, here, on the way out (`toX`) and on the way in (`json`); nothing else casts a JSON column.
 */
export type ClusterRecord = Omit<Cluster, 'nodePools' | 'network'> & { nodePools: NodePool[]; network: ClusterNetwork | null };

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

export const toCluster = (row: Cluster): ClusterRecord => ({
  ...row,
  nodePools: row.nodePools as unknown as NodePool[],
  network: (row.network as unknown as ClusterNetwork | null) ?? null,
});

type WithDomainJson<R extends ConfigVersion> = Omit<R, 'config' | 'findings' | 'certificates'> & Omit<VersionRecord, keyof ConfigVersion> &
  Pick<VersionRecord, 'config' | 'findings' | 'certificates'>;

export const toVersion = <R extends ConfigVersion>(row: R): WithDomainJson<R> => ({
  ...row,
  config: row.config as unknown as ProxyConfig,
  findings: row.findings as unknown as Finding[],
  certificates: row.certificates as unknown as CertificateDescription[],
});

export const toIdempotency = (row: IdempotencyRecord): IdempotencyRow => ({ ...row, headers: row.headers as Record<string, string> });
