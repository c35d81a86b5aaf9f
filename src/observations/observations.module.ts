import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { DeploymentRepositoriesModule } from '../repositories/deployment-repositories.module';
import { ObservationsController } from './observations.controller';
import { ObservationsService } from './observations.service';

@Module({ imports: [ClustersModule, DeploymentRepositoriesModule], controllers: [ObservationsController], providers: [ObservationsService] })
export class ObservationsModule {}
