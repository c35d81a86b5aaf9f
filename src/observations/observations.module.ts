import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { WritesModule } from '../writes/writes.module';
import { ObservationsController } from './observations.controller';
import { ObservationsService } from './observations.service';

@Module({ imports: [RepositoriesModule, WritesModule, AuditModule], controllers: [ObservationsController], providers: [ObservationsService] })
export class ObservationsModule {}
