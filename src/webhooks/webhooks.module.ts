import { Module } from '@nestjs/common';
import { WebhooksRepository } from '../repositories/webhooks.repository';
import { WebhookDispatcher } from './dispatcher.service';
import { WebhookOutbox } from './outbox.service';
import { WebhookSecrets } from './webhook-secrets.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** API.md "Events and webhooks": subscriptions, the transactional outbox (an audit hook) and the dispatcher. */
@Module({
  controllers: [WebhooksController],
  providers: [WebhooksRepository, WebhookSecrets, WebhookOutbox, WebhookDispatcher, WebhooksService],
})
export class WebhooksModule {}
