import { Module } from '@nestjs/common';
import { ApiKeysRepository } from './api-keys.repository';
import { AuditRepository } from './audit.repository';
import { ClustersRepository } from './clusters.repository';
import { ConfigInboxRepository } from './config-inbox.repository';
import { DecisionsRepository } from './decisions.repository';
import { DeploymentRepository } from './deployment.repository';
import { FleetRepository } from './fleet.repository';
import { IdempotencyRepository } from './idempotency.repository';
import { PeopleRepository } from './people.repository';
import { VersionsRepository } from './versions.repository';
import { WebhooksRepository } from './webhooks.repository';

const REPOSITORIES = [
  ApiKeysRepository,
  AuditRepository,
  ClustersRepository,
  ConfigInboxRepository,
  DecisionsRepository,
  IdempotencyRepository,
  PeopleRepository,
  VersionsRepository,
  WebhooksRepository,
  DecisionsRepository,
  DeploymentRepository,
  FleetRepository,
  IdempotencyRepository,
  VersionsRepository,
];

/** Every query of the service lives in these classes (see README "Where things live"). */
@Module({ providers: REPOSITORIES, exports: REPOSITORIES })
export class RepositoriesModule {}
