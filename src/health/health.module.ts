import { Module } from '@nestjs/common';
import { RepositoriesModule } from '../repositories/repositories.module';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { ShutdownState } from './shutdown-state';

@Module({ imports: [RepositoriesModule], controllers: [HealthController, MetricsController], providers: [MetricsService, ShutdownState], exports: [MetricsService, ShutdownState] })
export class HealthModule {}
