import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CacheModule } from '../cache/cache.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { WritesModule } from '../writes/writes.module';
import { ObservationsController } from './observations.controller';
import { ObservationsService } from './observations.service';

@Module({ imports: [RepositoriesModule, WritesModule, AuditModule, CacheModule], controllers: [ObservationsController], providers: [ObservationsService] })
export class ObservationsModule {}
