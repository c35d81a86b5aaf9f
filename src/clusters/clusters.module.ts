import { WritesModule } from '../writes/writes.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { Module } from '@nestjs/common';
import { ClustersController } from './clusters.controller';
import { ClustersService } from './clusters.service';

@Module({ imports: [RepositoriesModule, WritesModule], controllers: [ClustersController], providers: [ClustersService], exports: [ClustersService] })
export class ClustersModule {}
