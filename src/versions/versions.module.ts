import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CacheModule } from '../cache/cache.module';
import { HealthModule } from '../health/health.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { ValidateModule } from '../validate/validate.module';
import { WritesModule } from '../writes/writes.module';
import { InboxController } from './inbox.controller';
import { VersionsController } from './versions.controller';
import { VersionsService } from './versions.service';

@Module({
  imports: [RepositoriesModule, WritesModule, CacheModule, AuditModule, HealthModule, ValidateModule],
  controllers: [VersionsController, InboxController],
  providers: [VersionsService],
  exports: [VersionsService],
})
export class VersionsModule {}
