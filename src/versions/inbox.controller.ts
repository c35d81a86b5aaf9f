import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { RequireRole } from '../auth/roles.decorator';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { VersionResponse } from './version.response';
import { DEFAULT_PAGE_SIZE, type Page, PageQueryDto } from '../http/pagination';
import { Paginated } from '../http/paginated.decorator';
import { ConfigInboxRepository } from '../repositories/config-inbox.repository';
import { VERSION_STATUSES } from './dto/version-queries.dto';
import { versionView, type VersionView } from './version.view';

export class InboxQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: VERSION_STATUSES, description: 'pending: the approvers\' inbox' })
  @IsOptional()
  @IsIn(VERSION_STATUSES, { message: `status must be one of ${VERSION_STATUSES.join(', ')}` })
  status?: (typeof VERSION_STATUSES)[number];

  @ApiPropertyOptional({ description: 'Only this cluster' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  cluster?: string;

  @ApiPropertyOptional({ description: 'Only versions this person (or key) submitted' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  submittedBy?: string;

  @ApiPropertyOptional({ description: 'Only versions with this change ticket' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  changeTicket?: string;
}

@ApiTags('versions')
@Controller('v1/configs')
export class InboxController {
  constructor(private readonly inbox: ConfigInboxRepository) {}

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: "Versions across all clusters, newest first (?status=pending is the approvers' inbox)" })
  @Paginated(VersionResponse, 'A page of versions, newest first')
  @ApiProblemResponses(400, 401, 403)
  async list(@Query() query: InboxQueryDto): Promise<Page<VersionView>> {
    const rows = await this.inbox.list({ ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE });
    return { items: rows.items.map((r) => versionView(r.cluster.name, r)), nextCursor: rows.nextCursor };
  }
}
