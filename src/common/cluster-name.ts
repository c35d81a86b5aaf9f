import { Transform } from 'class-transformer';

export const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,63}$/;

/**
 * Cluster names are case-insensitive, as Azure's are (`Prod` and `prod` are one AKS cluster): they are kept and
 * looked up lower-cased, so one cluster can never have two histories.
 */
export const ClusterNameCase = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value));
