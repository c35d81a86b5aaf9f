import { Global, Module } from '@nestjs/common';
import { DeploymentRepositoriesModule } from '../repositories/deployment-repositories.module';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { ShutdownState } from './shutdown-state';

@Global()
@Module({ imports: [DeploymentRepositoriesModule], controllers: [HealthController, MetricsController], providers: [MetricsService, ShutdownState], exports: [MetricsService, ShutdownState] })
export class HealthModule {}
