import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { ValidateModule } from '../validate/validate.module';
import { ConfigInboxRepository } from '../repositories/config-inbox.repository';
import { InboxController } from './inbox.controller';
import { VersionsController } from './versions.controller';
import { VersionsService } from './versions.service';

@Module({ imports: [ClustersModule, ValidateModule], controllers: [VersionsController, InboxController], providers: [VersionsService, ConfigInboxRepository], exports: [VersionsService] })
export class VersionsModule {}
