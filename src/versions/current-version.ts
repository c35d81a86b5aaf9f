/** Prisma arguments for a cluster's current version: its newest approved one (API.md: "current"). */
export const currentVersionOf = (clusterId: string) =>
  ({ where: { clusterId, status: 'approved' }, orderBy: { version: 'desc' } }) as const;
