import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service';
import type { Prisma } from '../generated/prisma/client';
import { decodeCursor, type Page, toPage } from '../http/pagination';
import { toVersion, type VersionWithDecisions } from './records';

export interface InboxFilter {
  status?: string;
  cluster?: string;
  submittedBy?: string;
  changeTicket?: string;
  limit: number;
  cursor?: string;
}

/**
 * Versions across all clusters, newest first (GET /v1/configs, the approvers' inbox). Keyset pagination on
 * (submitted_at, id) descending, served by the indexes config_versions(submitted_at DESC, id DESC) and
 * (status, submitted_at DESC, id DESC).
 */
@Injectable()
export class ConfigInboxRepository {
  constructor(private readonly database: DatabaseService) {}

  async list(filter: InboxFilter): Promise<Page<VersionWithDecisions & { cluster: { name: string } }>> {
    const before = decodeCursor(filter.cursor, { at: 'timestamp', id: 'uuid' });
    const where: Prisma.ConfigVersionWhereInput = {
      status: filter.status as Prisma.ConfigVersionWhereInput['status'],
      cluster: filter.cluster ? { name: filter.cluster.toLowerCase() } : undefined,
      submittedBy: filter.submittedBy?.toLowerCase(),
      changeTicket: filter.changeTicket,
      ...(before ? { OR: [{ submittedAt: { lt: new Date(before.at) } }, { submittedAt: new Date(before.at), id: { lt: before.id } }] } : {}),
    };
    const rows = await this.database.prisma.configVersion.findMany({
      where,
      orderBy: [{ submittedAt: 'desc' }, { id: 'desc' }],
      take: filter.limit + 1,
      include: { decisions: true, cluster: { select: { name: true } } },
    });
    return toPage(rows, filter.limit, (r) => toVersion(r), (r) => ({ at: r.submittedAt.toISOString(), id: r.id }));
  }
}
