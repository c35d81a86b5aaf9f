import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { notFound } from '../common/service-error';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { DEFAULT_PAGE_SIZE, type Page, PageQueryDto } from '../http/pagination';
import { Paginated } from '../http/paginated.decorator';
import { ApiKeyView, CreateApiKeyDto, CreatedApiKeyView } from './api-key.dto';
import { ApiKeysService } from './api-keys.service';
import { type Caller, CurrentCaller } from '../auth/principal';
import { RequireRole } from '../auth/roles.decorator';

/** An id that cannot be one (key ids are UUIDs) names no key: 404, as an unknown id. */
const keyId = new ParseUUIDPipe({ exceptionFactory: () => notFound('API_KEY_NOT_FOUND', 'No API key has the id given: API key ids are UUIDs.') });

@ApiTags('api-keys')
@RequireRole('admin')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the token is in this response only' })
  @ApiCreatedResponse({ type: CreatedApiKeyView })
  @ApiProblemResponses(400, 401, 403, 409)
  async create(@Body() body: CreateApiKeyDto, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) reply: FastifyReply) {
    const key = await this.apiKeys.create(body, caller);
    reply.status(201).header('location', `/v1/api-keys/${key.id}`).header('cache-control', 'no-store');
    return key;
  }

  @Get()
  @ApiOperation({ summary: 'List API keys (never their tokens)' })
  @Paginated(ApiKeyView, 'A page of API keys')
  @ApiProblemResponses(400, 401, 403)
  list(@Query() query: PageQueryDto): Promise<Page<ApiKeyView>> {
    return this.apiKeys.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One API key (never its token)' })
  @ApiOkResponse({ type: ApiKeyView })
  @ApiProblemResponses(400, 401, 403, 404)
  get(@Param('id', keyId) id: string): Promise<ApiKeyView> {
    return this.apiKeys.get(id);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key at once' })
  @ApiOkResponse({ type: ApiKeyView })
  @ApiProblemResponses(400, 401, 403, 404)
  revoke(
    @Param('id', keyId) id: string,
    @CurrentCaller() caller: Caller,
  ): Promise<ApiKeyView> {
    return this.apiKeys.revoke(id, caller);
  }
}
