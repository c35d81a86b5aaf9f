import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type Caller, CurrentCaller } from '../auth/principal';
import { RequireRole } from '../auth/roles.decorator';
import { ClusterNamePipe } from '../clusters/cluster-name.pipe';
import { diffToMarkdown } from '../domain/diff-markdown';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ApiJsonOrMarkdownResponse, CONTENT_LOCATION_HEADER, ETAG_HEADER, LOCATION_HEADER } from '../http/api-responses';
import { DiffResponse, VersionResponse } from './version.response';
import { etagFor, ifMatch, sendAnswer } from '../http/etag';
import { DEFAULT_PAGE_SIZE } from '../http/pagination';
import { Paginated, type SerializedPage } from '../http/paginated.decorator';
import { type JsonOrMarkdown, JsonOrMarkdownAnswer } from '../http/markdown';
import { DecisionDto } from './dto/decision.dto';
import { SubmitConfigDto } from './dto/submit-config.dto';
import { DiffQueryDto, HistoryQueryDto, RenderQueryDto } from './dto/version-queries.dto';
import { ApiVersionParam, type VersionRef, VersionRefPipe } from './version-ref.pipe';
import type { VersionView } from './version.view';
import { type VersionChange, VersionsService } from './versions.service';
import { type StoredResponse, Writes } from '../writes/writes.service';
import { CurrentWrite, type WriteRequest } from '../writes/write-request.decorator';
import type { Tx } from '../database/database.service';
import type { RevisionPrecondition } from '../common/precondition';

const IF_MATCH = { name: 'If-Match', required: false, description: 'The cluster ETag ("r<revision>"); stale gives 412' };
const IDEMPOTENCY_KEY = { name: 'Idempotency-Key', required: false, description: 'Replays the first response for 24 h' };

/** The URL of a version (Location, Content-Location). */
const versionUrl = (v: VersionView): string => `/v1/clusters/${encodeURIComponent(v.cluster)}/configs/${v.version}`;

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
    @CurrentWrite() write: WriteRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<VersionView> {
    return this.writeVersion(reply, write, `POST /v1/clusters/${name}/configs`, (tx, precondition) => this.versions.submit(tx, name, body, precondition, write.caller), (submission) =>
      submission.created ? 201 : 200,
    );
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'Version history, newest first (paginated, ?status= filter)' })
  @Paginated(VersionResponse, 'A page of versions, newest first')
  @ApiProblemResponses(400, 401, 403, 404)
  history(@Param('name', ClusterNamePipe) name: string, @Query() query: HistoryQueryDto): Promise<SerializedPage> {
    return this.versions.history(name, query.status, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }

  @Get(':v')
  @RequireRole('reader')
  @ApiOperation({ summary: 'One version' })
  @ApiVersionParam()
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
  @ApiVersionParam()
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
    @CurrentWrite() write: WriteRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<VersionView> {
    // API.md: 201 with the version and Location (the version's URL).
    return this.writeVersion(reply, write, `POST /v1/clusters/${name}/configs/${v}/decisions`, (tx, precondition) => this.versions.decide(tx, name, v, body, precondition, write.caller), () => 201);
  }

  @Post(':v/withdraw')
  @HttpCode(200)
  @RequireRole('submitter')
  @ApiOperation({ summary: 'Withdraw a pending version (its submitter or an admin)' })
  @ApiVersionParam()
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
  @ApiVersionParam()
  @ApiJsonOrMarkdownResponse(DiffResponse, 'The diff (or Markdown for chat)')
  @ApiProblemResponses(400, 401, 403, 404)
  async diff(
    @Param('name', ClusterNamePipe) name: string,
    @Param('v', VersionRefPipe) v: VersionRef,
    @Query() query: DiffQueryDto,
    @JsonOrMarkdownAnswer() answer: JsonOrMarkdown,
  ): Promise<unknown> {
    const { diff, cluster, version } = await this.versions.diff(name, v, query.against);
    // Markdown for chat also says who submitted the version, why, its change ticket and the approvals so far.
    return answer(query.format, diff, () => diffToMarkdown(diff, cluster, version));
  }

  @Get(':v/render')
  @RequireRole('reader')
  @ApiOperation({
    summary: 'What to deploy, for an approved version: cli, arm, bicep, terraform, az or istio',
    description:
      'istio: the Istio ServiceEntry (YAML) that lets meshed pods reach the proxy; 409 RENDER_UNSUPPORTED when a proxy is a host name and the cluster has no network.proxyAddresses, or when the version disables the proxy.',
  })
  @ApiVersionParam()
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
  ): Promise<Buffer> {
    const format = query.format ?? 'cli';
    const rendering = await this.versions.render(name, v, format, caller);
    reply.type(`${rendering.contentType}; charset=utf-8`);
    if (format === 'cli') reply.header('content-disposition', `attachment; filename="${rendering.filename}"`);
    return rendering.body;
  }

  /**
   * A version write, run once per Idempotency-Key (a replay sends the first response again, marked
   * Idempotent-Replayed) with the If-Match precondition checked in its transaction. The response is the version with
   * the cluster's new ETag: 201 with Location (the version's URL) for a new version or a decision, 200 with
   * Content-Location (the existing version's URL) for a submission equal to the current or pending version.
   */
  private async writeVersion<C extends VersionChange>(
    reply: FastifyReply,
    write: WriteRequest,
    scope: string,
    work: (tx: Tx, precondition: RevisionPrecondition) => Promise<C>,
    statusOf: (change: C) => 200 | 201,
  ): Promise<VersionView> {
    const outcome = await this.writes.idempotent(
      { caller: write.caller, key: write.key, scope, body: write.body },
      (tx) => work(tx, ifMatch(write.ifMatch)),
      (change): StoredResponse<VersionView> => {
        const statusCode = statusOf(change);
        const headers = { etag: etagFor(change.revision), [statusCode === 201 ? 'location' : 'content-location']: versionUrl(change.version) };
        return { statusCode, headers, body: change.version };
      },
    );
    reply.status(outcome.statusCode).headers(outcome.headers);
    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    return outcome.body;
  }
}
