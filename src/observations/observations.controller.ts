import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type Caller, CurrentCaller } from '../auth/principal';
import { RequireRole } from '../auth/roles.decorator';
import { ClusterNamePipe } from '../clusters/cluster-name.pipe';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { ETAG_HEADER } from '../http/api-responses';
import { etagFor } from '../http/etag';
import { DEFAULT_PAGE_SIZE, type Page, PageQueryDto } from '../http/pagination';
import { Paginated } from '../http/paginated.decorator';
import { ObservationResponse } from './observation.responses';
import { ObservationsService } from './observations.service';

@ApiTags('observations')
@Controller('v1/clusters/:name/observations')
export class ObservationsController {
  constructor(private readonly observations: ObservationsService) {}

  @Post()
  @RequireRole('submitter')
  @ApiOperation({
    summary: 'Report what the cluster really holds: the JSON of az aks show (or {"httpProxyConfig": {...}})',
    description:
      'Compares the cluster with its current approved version: in-sync, drifted (one DRIFT finding per difference), no-approved-version or not-configured. The entries AKS adds to noProxy, key case and the order of entries and certificates do not count. The trustedCa text is never stored or echoed.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      additionalProperties: true,
      example: {
        name: 'aks-prod',
        provisioningState: 'Succeeded',
        fqdn: 'aks-prod-dns-1a2b3c4d.hcp.westeurope.azmk8s.io',
        networkProfile: { serviceCidr: '10.0.0.0/16', podCidr: '10.244.0.0/16' },
        httpProxyConfig: {
          httpProxy: 'http://proxy.corp.example:3128/',
          httpsProxy: 'http://proxy.corp.example:3128/',
          noProxy: ['.corp.example', 'localhost', '127.0.0.1', '169.254.169.254', '168.63.129.16', 'konnectivity', '10.0.0.0/16', '10.244.0.0/16'],
          trustedCa: null,
        },
      },
    },
  })
  @ApiCreatedResponse({ description: 'The observation; the cluster ETag moves', type: ObservationResponse, headers: ETAG_HEADER })
  @ApiProblemResponses(400, 401, 403, 404, 413, 415)
  async create(
    @Param('name', ClusterNamePipe) name: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ObservationResponse> {
    const { observation, revision } = await this.observations.record(name, body, caller);
    reply.status(201).header('etag', etagFor(revision));
    return observation;
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: "The cluster's observations, newest first (paginated)" })
  @Paginated(ObservationResponse, 'A page of observations, newest first')
  @ApiProblemResponses(400, 401, 403, 404)
  list(@Param('name', ClusterNamePipe) name: string, @Query() query: PageQueryDto): Promise<Page<ObservationResponse>> {
    return this.observations.list(name, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }
}
