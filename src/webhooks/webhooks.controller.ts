import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { type Caller, CurrentCaller } from '../auth/principal';
import { RequireRole } from '../auth/roles.decorator';
import { notFound } from '../common/service-error';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { LOCATION_HEADER } from '../http/api-responses';
import { DEFAULT_PAGE_SIZE, type Page, PageQueryDto } from '../http/pagination';
import { Paginated } from '../http/paginated.decorator';
import { CreateWebhookDto, DeliveryView, DeliveryWithAttemptsView, UpdateWebhookDto, WebhookView, WebhookWithSecretView } from './webhook.dto';
import { WebhooksService } from './webhooks.service';

/** An id that cannot be one (ids are UUIDs) names nothing: 404 with the route's code, as an unknown id. */
const uuidOr404 = (code: string, message: string) => new ParseUUIDPipe({ exceptionFactory: () => notFound(code, message) });
const WEBHOOK_ID = uuidOr404('WEBHOOK_NOT_FOUND', 'No webhook has the id given: webhook ids are UUIDs.');
const DELIVERY_ID = uuidOr404('DELIVERY_NOT_FOUND', 'The webhook has no delivery with the id given: delivery ids are UUIDs.');

/** API.md "Events and webhooks": every route is admin (a webhook URL is itself a secret). */
@ApiTags('webhooks')
@RequireRole('admin')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({ summary: 'Subscribe a URL to events; the signing secret is in this response only' })
  @ApiCreatedResponse({ type: WebhookWithSecretView, headers: LOCATION_HEADER })
  @ApiProblemResponses(400, 401, 403)
  async create(@Body() body: CreateWebhookDto, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) reply: FastifyReply): Promise<WebhookWithSecretView> {
    const created = await this.webhooks.create(body, caller);
    reply.status(201).header('location', `/v1/webhooks/${created.id}`).header('cache-control', 'no-store');
    return created;
  }

  @Get()
  @ApiOperation({ summary: 'List webhooks (never their secrets)' })
  @Paginated(WebhookView, 'A page of webhooks')
  @ApiProblemResponses(400, 401, 403)
  list(@Query() query: PageQueryDto): Promise<Page<WebhookView>> {
    return this.webhooks.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook' })
  @ApiOkResponse({ type: WebhookView })
  @ApiProblemResponses(400, 401, 403, 404)
  get(@Param('id', WEBHOOK_ID) id: string): Promise<WebhookView> {
    return this.webhooks.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change url, events, clusters, enabled or description' })
  @ApiOkResponse({ type: WebhookView })
  @ApiProblemResponses(400, 401, 403, 404, 415)
  update(@Param('id', WEBHOOK_ID) id: string, @Body() body: UpdateWebhookDto, @CurrentCaller() caller: Caller): Promise<WebhookView> {
    return this.webhooks.update(id, body, caller);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a webhook and its deliveries' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblemResponses(400, 401, 403, 404)
  async delete(@Param('id', WEBHOOK_ID) id: string, @CurrentCaller() caller: Caller): Promise<void> {
    await this.webhooks.delete(id, caller);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace the signing secret; the new one is in this response only' })
  @ApiOkResponse({ type: WebhookWithSecretView })
  @ApiProblemResponses(400, 401, 403, 404)
  async rotateSecret(@Param('id', WEBHOOK_ID) id: string, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) reply: FastifyReply): Promise<WebhookWithSecretView> {
    reply.header('cache-control', 'no-store');
    return this.webhooks.rotateSecret(id, caller);
  }

  @Post(':id/ping')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a com.aksproxy.ping event to this webhook' })
  @ApiAcceptedResponse({ type: DeliveryView, description: 'The ping delivery, pending' })
  @ApiProblemResponses(400, 401, 403, 404)
  ping(@Param('id', WEBHOOK_ID) id: string, @CurrentCaller() caller: Caller): Promise<DeliveryView> {
    return this.webhooks.ping(id, caller);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "A webhook's deliveries, newest first" })
  @Paginated(DeliveryView, 'A page of deliveries, newest first')
  @ApiProblemResponses(400, 401, 403, 404)
  deliveries(@Param('id', WEBHOOK_ID) id: string, @Query() query: PageQueryDto): Promise<Page<DeliveryView>> {
    return this.webhooks.deliveries(id, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }

  @Get(':id/deliveries/:deliveryId')
  @ApiOperation({ summary: 'One delivery with every attempt (status, error, at most 1 KB of the answer)' })
  @ApiOkResponse({ type: DeliveryWithAttemptsView })
  @ApiProblemResponses(400, 401, 403, 404)
  delivery(@Param('id', WEBHOOK_ID) id: string, @Param('deliveryId', DELIVERY_ID) deliveryId: string): Promise<DeliveryWithAttemptsView> {
    return this.webhooks.delivery(id, deliveryId);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a delivery\'s event again (a new delivery, same event id)' })
  @ApiAcceptedResponse({ type: DeliveryView, description: 'The new delivery, pending' })
  @ApiProblemResponses(400, 401, 403, 404)
  redeliver(@Param('id', WEBHOOK_ID) id: string, @Param('deliveryId', DELIVERY_ID) deliveryId: string): Promise<DeliveryView> {
    return this.webhooks.redeliver(id, deliveryId);
  }
}
