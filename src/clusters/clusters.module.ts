import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { CacheModule } from '../cache/cache.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { WritesModule } from '../writes/writes.module';
import { ClustersController } from './clusters.controller';
import { ClustersService } from './clusters.service';

@Module({ imports: [RepositoriesModule, WritesModule, AuditModule, CacheModule], controllers: [ClustersController], providers: [ClustersService], exports: [ClustersService] })
export class ClustersModule {}
