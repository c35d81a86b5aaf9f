import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { HealthModule } from '../health/health.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { WritesModule } from '../writes/writes.module';
import { WebhookDispatcher } from './dispatcher.service';
import { WebhookOutbox } from './outbox.service';
import { WebhookSecrets } from './webhook-secrets.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** API.md "Events and webhooks": subscriptions, the transactional outbox (an audit hook) and the dispatcher. */
@Module({
  imports: [RepositoriesModule, WritesModule, AuditModule, HealthModule],
  controllers: [WebhooksController],
  providers: [WebhookSecrets, WebhookOutbox, WebhookDispatcher, WebhooksService],
})
export class WebhooksModule {}
