import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.decorator';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { DEFAULT_PAGE_SIZE, type Page } from '../http/pagination';
import { Paginated } from '../http/paginated.decorator';
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
  @Paginated(ExpiringCertificateResponse, 'A page of certificates, soonest notAfter first')
  @ApiProblemResponses(400, 401, 403)
  trustedCa(@Query() query: TrustedCaReportQueryDto): Promise<Page<ExpiringCertificateResponse>> {
    return this.reports.trustedCa(query.expiringWithin, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }
}
