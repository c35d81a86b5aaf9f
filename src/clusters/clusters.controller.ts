import { Body, Controller, Get, Headers, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type Caller, CurrentCaller } from '../auth/principal';
import { RequireRole } from '../auth/roles.decorator';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ETAG_HEADER, LOCATION_HEADER } from '../http/api-responses';
import { ClusterResponse } from './cluster.response';
import { etagFor, ifMatch, sendAnswer } from '../http/etag';
import { DEFAULT_PAGE_SIZE, type Page, PageQueryDto } from '../http/pagination';
import { Paginated } from '../http/paginated.decorator';
import { ClusterNamePipe } from './cluster-name.pipe';
import type { ClusterView } from './cluster.view';
import { ClustersService } from './clusters.service';
import { CreateClusterDto, UpdateClusterDto } from './dto/cluster.dto';

@ApiTags('clusters')
@Controller('v1/clusters')
export class ClustersController {
  constructor(private readonly clusters: ClustersService) {}

  @Post()
  @RequireRole('submitter')
  @ApiOperation({ summary: 'Register a cluster' })
  @ApiCreatedResponse({ description: 'The cluster, with Location and ETag', type: ClusterResponse, headers: { ...LOCATION_HEADER, ...ETAG_HEADER } })
  @ApiProblemResponses(400, 401, 403, 409, 413, 415)
  async create(@Body() body: CreateClusterDto, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) reply: FastifyReply): Promise<ClusterView> {
    const cluster = await this.clusters.create(body, caller);
    reply.status(201).header('location', `/v1/clusters/${encodeURIComponent(cluster.name)}`).header('etag', etagFor(cluster.revision));
    return cluster;
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'List clusters by name (paginated)' })
  @Paginated(ClusterResponse, 'A page of clusters by name')
  @ApiProblemResponses(400, 401, 403)
  list(@Query() query: PageQueryDto): Promise<Page<ClusterView>> {
    return this.clusters.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }

  @Get(':name')
  @RequireRole('reader')
  @ApiOperation({ summary: 'A cluster with its current and latest versions; ETag "r<revision>"' })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'An ETag from an earlier GET: 304 with no body while it is current' })
  @ApiOkResponse({ description: 'The cluster, with ETag', type: ClusterResponse, headers: ETAG_HEADER })
  @ApiResponse({ status: 304, description: 'Not modified: If-None-Match names the current ETag (no body)', headers: ETAG_HEADER })
  @ApiProblemResponses(400, 401, 403, 404)
  async get(
    @Param('name', ClusterNamePipe) name: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClusterView | undefined> {
    // The cached JSON text goes out as it is (Fastify does not serialize a string again).
    return sendAnswer(reply, ifNoneMatch, await this.clusters.answer(name)) as unknown as ClusterView | undefined;
  }

  @Patch(':name')
  @RequireRole('submitter')
  @ApiOperation({ summary: 'Change a cluster (node pools, network, required approvals...)' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag from GET; stale gives 412' })
  @ApiOkResponse({ description: 'The cluster, with ETag', type: ClusterResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 401, 403, 404, 412, 413, 415)
  async update(
    @Param('name', ClusterNamePipe) name: string,
    @Body() body: UpdateClusterDto,
    @Headers('if-match') ifMatchHeader: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClusterView> {
    const cluster = await this.clusters.update(name, body, ifMatch(ifMatchHeader), caller);
    reply.header('etag', etagFor(cluster.revision));
    return cluster;
  }
}
