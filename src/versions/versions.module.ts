import { Module } from '@nestjs/common';
import { DeploymentRepositoriesModule } from '../repositories/deployment-repositories.module';
import { ClustersModule } from '../clusters/clusters.module';
import { ValidateModule } from '../validate/validate.module';
import { VersionsController } from './versions.controller';
import { VersionsService } from './versions.service';

@Module({ imports: [ClustersModule, ValidateModule, DeploymentRepositoriesModule], controllers: [VersionsController], providers: [VersionsService], exports: [VersionsService] })
export class VersionsModule {}
