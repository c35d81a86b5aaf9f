import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireRole } from '../auth/roles.decorator';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { LINK_HEADER, PageOf } from '../http/api-responses';
import { DEFAULT_PAGE_SIZE, type Page, setNextLink } from '../http/pagination';
import { ExpiringCertificateResponse, TrustedCaReportQueryDto } from './reports.responses';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('trusted-ca')
  @RequireRole('reader')
  @ApiOperation({
    summary: "CA certificates of every cluster's current version expiring within N days (expired included), soonest first",
  })
  @ApiOkResponse({ description: 'A page of certificates, soonest notAfter first', type: PageOf(ExpiringCertificateResponse), headers: LINK_HEADER })
  @ApiProblemResponses(400, 401, 403)
  async trustedCa(
    @Query() query: TrustedCaReportQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Page<ExpiringCertificateResponse>> {
    const page = await this.reports.trustedCa(query.expiringWithin, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    setNextLink(request, reply, page.nextCursor);
    return page;
  }
}
