import { parseRfc3339 } from '../common/text.validators';
import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireRole } from '../auth/roles.decorator';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { LINK_HEADER, PageOf } from '../http/api-responses';
import { AuditEventResponse, AuditVerificationResponse } from './audit.response';
import { DEFAULT_PAGE_SIZE, type Page, setNextLink } from '../http/pagination';
import { AuditQueryDto } from './audit-query.dto';
import { AuditService, type AuditEventView, type AuditVerification } from './audit.service';

@ApiTags('audit')
@RequireRole('reader')
@ApiProblemResponses(400, 401, 403)
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Audit events, oldest first (paginated, filterable)' })
  @ApiOkResponse({ description: 'A page of audit events, oldest first', type: PageOf(AuditEventResponse), headers: LINK_HEADER })
  async list(
    @Query() query: AuditQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Page<AuditEventView>> {
    const page = await this.audit.list({
      cluster: query.cluster,
      actor: query.actor,
      action: query.action,
      since: query.since ? parseRfc3339(query.since) : undefined,
      until: query.until ? parseRfc3339(query.until) : undefined,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
    });
    setNextLink(request, reply, page.nextCursor);
    // The page's JSON text goes out as it is (Fastify does not serialize a string again).
    reply.type('application/json; charset=utf-8');
    return page.body as unknown as Page<AuditEventView>;
  }

  @Get('verify')
  @ApiOperation({ summary: 'Recompute the hash chain of the whole audit trail' })
  @ApiOkResponse({ description: 'ok, or ok: false with the first bad seq', type: AuditVerificationResponse })
  verify(): Promise<AuditVerification> {
    return this.audit.verify();
  }
}
