import { parseRfc3339 } from '../common/text.validators';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.decorator';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { AuditEventResponse, AuditVerificationResponse } from './audit.response';
import { DEFAULT_PAGE_SIZE } from '../http/pagination';
import { Paginated, type SerializedPage } from '../http/paginated.decorator';
import { AuditQueryDto } from './audit-query.dto';
import { AuditService, type AuditVerification } from './audit.service';

@ApiTags('audit')
@RequireRole('reader')
@ApiProblemResponses(400, 401, 403)
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({ summary: 'Audit events, oldest first (paginated, filterable)' })
  @Paginated(AuditEventResponse, 'A page of audit events, oldest first')
  list(@Query() query: AuditQueryDto): Promise<SerializedPage> {
    return this.audit.list({
      cluster: query.cluster,
      actor: query.actor,
      action: query.action,
      since: query.since ? parseRfc3339(query.since) : undefined,
      until: query.until ? parseRfc3339(query.until) : undefined,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
    });
  }

  @Get('verify')
  @ApiOperation({ summary: 'Recompute the hash chain of the whole audit trail' })
  @ApiOkResponse({ description: 'ok, or ok: false with the first bad seq', type: AuditVerificationResponse })
  verify(): Promise<AuditVerification> {
    return this.audit.verify();
  }
}
