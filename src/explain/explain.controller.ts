import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/roles.decorator';
import { ClusterNamePipe } from '../clusters/cluster-name.pipe';
import { ClustersService } from '../clusters/clusters.service';
import { explain, explainAsWritten, explainBudgetProblem, type ExplainResult, renderExplainMarkdown, urlProblem } from '../domain/explain';
import { badRequest } from '../common/service-error';
import { holdsKeyMaterial } from '../domain/redact';
import type { Finding } from '../domain/proxy-config';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ApiJsonOrMarkdownResponse } from '../http/api-responses';
import { ExplainResponse } from './explain.response';
import { type JsonOrMarkdown, JsonOrMarkdownAnswer } from '../http/markdown';
import { ValidateService } from '../validate/validate.service';
import { ExplainQueryDto, ExplainVersionQueryDto } from '../versions/dto/version-queries.dto';
import { ApiVersionParam, type VersionRef, VersionRefPipe } from '../versions/version-ref.pipe';
import { VersionsService } from '../versions/versions.service';
import { ExplainDto } from './explain.dto';

@ApiTags('explain')
@RequireRole('reader')
@Controller('v1')
export class ExplainController {
  constructor(
    private readonly validation: ValidateService,
    private readonly clusters: ClustersService,
    private readonly versions: VersionsService,
  ) {}

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
    // bounded before any work: (URLs × noProxy entries), see MAX_EXPLAIN_PAIRS
    const noProxy = (body.config as { noProxy?: unknown }).noProxy;
    const budget = explainBudgetProblem(body.urls.length, Array.isArray(noProxy) ? noProxy.length : 0);
    if (budget) throw badRequest(budget);
    const context = body.cluster ? await this.clusters.contextByName(body.cluster) : null;
    const validation = this.validation.run(body.config, context);
    // The config as written, not validation's normalized one (which drops entries such as "*" or "*.svc.example"):
    // the answer is what each client does with exactly this NO_PROXY; the findings say what AKS would refuse.
    const result = explainAsWritten(body.config, validation.normalized, body.urls, context?.network);
    return answer(query.format, { ...result, findings: validation.findings }, () => renderExplainMarkdown(result));
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
    // API.md: a URL that is not an absolute http(s) URL is 400 naming it here (the POST route answers it per URL).
    const invalid = query.url.map((url) => ({ url, problem: urlProblem(url) })).filter((u) => u.problem !== null);
    if (invalid.length > 0) {
      // Named as given, unless it holds key material, which no answer ever echoes.
      const shown = (url: string) => (holdsKeyMaterial(url) ? '(a value holding key material)' : JSON.stringify(url));
      const [first] = invalid;
      throw badRequest(
        `url ${shown(first!.url)} cannot be explained: ${first!.problem}${invalid.length > 1 ? ` (and ${invalid.length - 1} more)` : ''}.`,
        { invalidParams: invalid.map((u) => ({ name: 'url', value: holdsKeyMaterial(u.url) ? undefined : u.url, reason: u.problem })) },
      );
    }
    const { config, cluster } = await this.versions.configFor(name, v);
    const budget = explainBudgetProblem(query.url.length, config.noProxy?.length ?? 0);
    if (budget) throw badRequest(budget);
    const result = explain(config, query.url, cluster.network);
    return answer(query.format, result, () => renderExplainMarkdown(result));
  }
}
