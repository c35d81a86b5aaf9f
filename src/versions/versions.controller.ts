import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Caller, CurrentCaller } from '../auth/principal';
import { RequireRole } from '../auth/roles.decorator';
import { ClusterNamePipe } from '../clusters/cluster-name.pipe';
import { diffToMarkdown } from '../domain/diff-markdown';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ApiJsonOrMarkdownResponse, CONTENT_LOCATION_HEADER, ETAG_HEADER, LINK_HEADER, LOCATION_HEADER, PageOf } from '../http/api-responses';
import { DiffResponse, VersionResponse } from './version.response';
import { etagFor, ifMatch, sendAnswer } from '../http/etag';
import { DEFAULT_PAGE_SIZE, type Page, setNextLink } from '../http/pagination';
import { sendMarkdown, wantsMarkdown } from '../http/markdown';
import { DecisionDto } from './dto/decision.dto';
import { SubmitConfigDto } from './dto/submit-config.dto';
import { DiffQueryDto, HistoryQueryDto, RenderQueryDto } from './dto/version-queries.dto';
import { type VersionRef, VersionRefPipe } from './version-ref.pipe';
import type { VersionView } from './version.view';
import { type VersionChange, VersionsService } from './versions.service';
import { type StoredResponse, Writes } from '../writes/writes.service';

const IF_MATCH = { name: 'If-Match', required: false, description: 'The cluster ETag ("r<revision>"); stale gives 412' };
const IDEMPOTENCY_KEY = { name: 'Idempotency-Key', required: false, description: 'Replays the first response for 24 h' };
const V_PARAM = { name: 'v', description: 'A version number, current or latest', example: 'latest' };

/** The URL of a version (Location, Content-Location). */
const versionUrl = (v: VersionView): string => `/v1/clusters/${encodeURIComponent(v.cluster)}/configs/${v.version}`;

/**
 * A changed version as a response with the cluster's new ETag: 201 with Location (the version's URL) for a new
 * version or a decision; 200 with Content-Location (the existing version's URL) for an unchanged submission.
 */
function versionResponse(change: VersionChange, statusCode: 200 | 201): StoredResponse<VersionView> {
  const headers: Record<string, string> = { etag: etagFor(change.revision) };
  headers[statusCode === 201 ? 'location' : 'content-location'] = versionUrl(change.version);
  return { statusCode, headers, body: change.version };
}

/** Sends a stored (possibly replayed) response: its status, headers and body. */
function sendStored<T>(reply: FastifyReply, outcome: StoredResponse<T> & { replayed: boolean }): T {
  reply.status(outcome.statusCode).headers(outcome.headers);
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  return outcome.body;
}

@ApiTags('versions')
@Controller('v1/clusters/:name/configs')
export class VersionsController {
  constructor(
    private readonly versions: VersionsService,
    private readonly writes: Writes,
  ) {}

  @Post()
  @RequireRole('submitter')
  @ApiOperation({ summary: 'Submit a config (or revert to an earlier version) as a new pending version' })
  @ApiHeader(IF_MATCH)
  @ApiHeader(IDEMPOTENCY_KEY)
  @ApiBody({
    type: SubmitConfigDto,
    examples: {
      config: {
        summary: 'A new config',
        value: { config: { httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['.corp.example'] }, reason: 'Move to the new egress proxy', changeTicket: 'CHG0012345' },
      },
      revert: { summary: 'Back to an earlier version', value: { revertTo: 1, reason: 'Roll back: the new proxy drops connections' } },
    },
  })
  @ApiResponse({ status: 201, description: 'The new pending version, with Location and the cluster ETag', type: VersionResponse, headers: { ...LOCATION_HEADER, ...ETAG_HEADER } })
  @ApiResponse({
    status: 200,
    description: 'The canonical content equals the current or pending version: that version, with Content-Location (its URL)',
    type: VersionResponse,
    headers: { ...CONTENT_LOCATION_HEADER, ...ETAG_HEADER },
  })
  @ApiProblemResponses(400, 401, 403, 404, 412, 413, 415, 422)
  async submit(
    @Param('name', ClusterNamePipe) name: string,
    @Body() body: SubmitConfigDto,
    @Headers('if-match') ifMatchHeader: string | undefined,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentCaller() caller: Caller,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<VersionView> {
    const outcome = await this.writes.idempotent(
      { caller, key, scope: `POST /v1/clusters/${name}/configs`, body: request.body },
      (tx) => this.versions.submit(tx, name, body, ifMatch(ifMatchHeader), caller),
      (submission) =>
        submission.created
          ? versionResponse(submission, 201)
          : versionResponse(submission, 200),
    );
    return sendStored(reply, outcome);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'Version history, newest first (paginated, ?status= filter)' })
  @ApiOkResponse({ description: 'A page of versions, newest first', type: PageOf(VersionResponse), headers: LINK_HEADER })
  @ApiProblemResponses(400, 401, 403, 404)
  async history(
    @Param('name', ClusterNamePipe) name: string,
    @Query() query: HistoryQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Page<VersionView>> {
    const page = await this.versions.history(name, query.status, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
    setNextLink(request, reply, page.nextCursor);
    // The page's JSON text goes out as it is (Fastify does not serialize a string again).
    reply.type('application/json; charset=utf-8');
    return page.body as unknown as Page<VersionView>;
  }

  @Get(':v')
  @RequireRole('reader')
  @ApiOperation({ summary: 'One version' })
  @ApiParam(V_PARAM)
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'An ETag from an earlier GET: 304 with no body while it is current' })
  @ApiOkResponse({
    description: 'The version, with ETag (the cluster\'s "r<revision>", which any change to a version moves; usable as If-Match on a decision)',
    type: VersionResponse,
    headers: ETAG_HEADER,
  })
  @ApiResponse({ status: 304, description: 'Not modified: If-None-Match names the current ETag (no body)', headers: ETAG_HEADER })
  @ApiProblemResponses(400, 401, 403, 404)
  async get(
    @Param('name', ClusterNamePipe) name: string,
    @Param('v', VersionRefPipe) v: VersionRef,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<VersionView | undefined> {
    // The cached JSON text goes out as it is (Fastify does not serialize a string again).
    return sendAnswer(reply, ifNoneMatch, await this.versions.answer(name, v)) as unknown as VersionView | undefined;
  }

  @Post(':v/decisions')
  @RequireRole('approver')
  @ApiOperation({ summary: 'Approve or reject a pending version (not your own)' })
  @ApiParam(V_PARAM)
  @ApiHeader(IF_MATCH)
  @ApiHeader(IDEMPOTENCY_KEY)
  @ApiResponse({
    status: 201,
    description: 'The version after the decision, with Location (the version\'s URL) and the cluster ETag',
    type: VersionResponse,
    headers: { ...LOCATION_HEADER, ...ETAG_HEADER },
  })
  @ApiProblemResponses(400, 401, 403, 404, 409, 412, 413, 415, 422)
  async decide(
    @Param('name', ClusterNamePipe) name: string,
    @Param('v', VersionRefPipe) v: VersionRef,
    @Body() body: DecisionDto,
    @Headers('if-match') ifMatchHeader: string | undefined,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentCaller() caller: Caller,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<VersionView> {
    const outcome = await this.writes.idempotent(
      { caller, key, scope: `POST /v1/clusters/${name}/configs/${v}/decisions`, body: request.body },
      (tx) => this.versions.decide(tx, name, v, body, ifMatch(ifMatchHeader), caller),
      // API.md: 201 with the version and Location (the version's URL).
      (change) => versionResponse(change, 201),
    );
    return sendStored(reply, outcome);
  }

  @Post(':v/withdraw')
  @HttpCode(200)
  @RequireRole('submitter')
  @ApiOperation({ summary: 'Withdraw a pending version (its submitter or an admin)' })
  @ApiParam(V_PARAM)
  @ApiOkResponse({ description: 'The withdrawn version, with the cluster ETag', type: VersionResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 401, 403, 404, 409)
  async withdraw(
    @Param('name', ClusterNamePipe) name: string,
    @Param('v', VersionRefPipe) v: VersionRef,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<VersionView> {
    const { version, revision } = await this.versions.withdraw(name, v, caller);
    reply.header('etag', etagFor(revision));
    return version;
  }

  @Get(':v/diff')
  @RequireRole('reader')
  @ApiOperation({ summary: 'What changes from another version to this one (JSON, or Markdown for chat)' })
  @ApiParam(V_PARAM)
  @ApiJsonOrMarkdownResponse(DiffResponse, 'The diff (or Markdown for chat)')
  @ApiProblemResponses(400, 401, 403, 404)
  async diff(
    @Param('name', ClusterNamePipe) name: string,
    @Param('v', VersionRefPipe) v: VersionRef,
    @Query() query: DiffQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const { diff, cluster, version } = await this.versions.diff(name, v, query.against);
    // Markdown for chat also says who submitted the version, why, its change ticket and the approvals so far.
    return wantsMarkdown(query.format, accept, reply) ? sendMarkdown(reply, diffToMarkdown(diff, cluster, version)) : diff;
  }

  @Get(':v/render')
  @RequireRole('reader')
  @ApiOperation({
    summary: 'What to deploy, for an approved version: cli, arm, bicep, terraform, az or istio',
    description:
      'istio: the Istio ServiceEntry (YAML) that lets meshed pods reach the proxy; 409 RENDER_UNSUPPORTED when a proxy is a host name and the cluster has no network.proxyAddresses, or when the version disables the proxy.',
  })
  @ApiParam(V_PARAM)
  @ApiProduces('application/json', 'text/plain', 'application/yaml')
  @ApiOkResponse({
    description: 'The rendering, byte-identical on every call',
    content: {
      'application/json': { schema: { type: 'object' } },
      'text/plain': { schema: { type: 'string' } },
      'application/yaml': { schema: { type: 'string', description: 'format=istio: one networking.istio.io/v1 ServiceEntry' } },
    },
  })
  @ApiProblemResponses(400, 401, 403, 404, 409, 422)
  async render(
    @Param('name', ClusterNamePipe) name: string,
    @Param('v', VersionRefPipe) v: VersionRef,
    @Query() query: RenderQueryDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const format = query.format ?? 'cli';
    const rendering = await this.versions.render(name, v, format, caller);
    reply.type(`${rendering.contentType}; charset=utf-8`);
    if (format === 'cli') reply.header('content-disposition', `attachment; filename="${rendering.filename}"`);
    return rendering.body;
  }
}
