import { Module } from '@nestjs/common';
import { ApiKeysRepository } from './api-keys.repository';
import { AuditRepository } from './audit.repository';
import { ClustersRepository } from './clusters.repository';
import { DecisionsRepository } from './decisions.repository';
import { IdempotencyRepository } from './idempotency.repository';
import { PeopleRepository } from './people.repository';
import { VersionsRepository } from './versions.repository';

const REPOSITORIES = [ApiKeysRepository, AuditRepository, ClustersRepository, DecisionsRepository, IdempotencyRepository, PeopleRepository, VersionsRepository];

/** Every query of the service lives in these classes (see README "Where things live"). */
@Module({ providers: REPOSITORIES, exports: REPOSITORIES })
export class RepositoriesModule {}
