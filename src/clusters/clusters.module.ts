import { Module } from '@nestjs/common';
import { DeploymentRepositoriesModule } from '../repositories/deployment-repositories.module';
import { ClustersController } from './clusters.controller';
import { ClustersService } from './clusters.service';

@Module({ imports: [DeploymentRepositoriesModule], controllers: [ClustersController], providers: [ClustersService], exports: [ClustersService] })
export class ClustersModule {}
