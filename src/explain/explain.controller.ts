import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.decorator';
import { ClusterNamePipe } from '../clusters/cluster-name.pipe';
import { type ExplainResult, renderExplainMarkdown } from '../domain/explain';
import type { Finding } from '../domain/proxy-config';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ApiJsonOrMarkdownResponse } from '../http/api-responses';
import { ExplainResponse } from './explain.response';
import { type JsonOrMarkdown, JsonOrMarkdownAnswer } from '../http/markdown';
import { ExplainQueryDto, ExplainVersionQueryDto } from '../versions/dto/version-queries.dto';
import { ApiVersionParam, type VersionRef, VersionRefPipe } from '../versions/version-ref.pipe';
import { ExplainDto } from './explain.dto';
import { ExplainService } from './explain.service';

@ApiTags('explain')
@RequireRole('reader')
@Controller('v1')
export class ExplainController {
  constructor(private readonly explanations: ExplainService) {}

  @Post('explain')
  @HttpCode(200)
  @ApiOperation({
    summary: 'For each URL and each HTTP client: through which proxy, or direct, and why (?format=markdown for chat)',
    description: 'A URL that is not an absolute http or https URL gets { url, error } and no clients. proxy: null always means "goes direct".',
  })
  @ApiJsonOrMarkdownResponse(ExplainResponse, 'Per URL and client: the proxy used or null, and why (or Markdown)')
  @ApiProblemResponses(400, 401, 403, 404, 413, 415)
  async explain(
    @Body() body: ExplainDto,
    @Query() query: ExplainQueryDto,
    @JsonOrMarkdownAnswer() answer: JsonOrMarkdown,
  ): Promise<(ExplainResult & { findings: Finding[] }) | string> {
    const result = await this.explanations.forConfig(body.config, body.urls, body.cluster);
    return answer(query.format, result, () => renderExplainMarkdown(result));
  }

  @Get('clusters/:name/configs/:v/explain')
  @ApiOperation({ summary: 'Explain a stored version for the given URLs (?url= repeatable, ?format=markdown for chat)', description: 'A url that is not an absolute http or https URL is 400 BAD_REQUEST naming it.' })
  @ApiVersionParam()
  @ApiJsonOrMarkdownResponse(ExplainResponse, 'Per URL and client: the proxy used or null, and why (or Markdown)')
  @ApiProblemResponses(400, 401, 403, 404)
  async explainVersion(
    @Param('name', ClusterNamePipe) name: string,
    @Param('v', VersionRefPipe) v: VersionRef,
    @Query() query: ExplainVersionQueryDto,
    @JsonOrMarkdownAnswer() answer: JsonOrMarkdown,
  ): Promise<ExplainResult | string> {
    const result = await this.explanations.forVersion(name, v, query.url);
    return answer(query.format, result, () => renderExplainMarkdown(result));
  }
}
