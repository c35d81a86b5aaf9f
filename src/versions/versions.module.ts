import { WritesModule } from '../writes/writes.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { ValidateModule } from '../validate/validate.module';
import { VersionsController } from './versions.controller';
import { VersionsService } from './versions.service';

@Module({ imports: [RepositoriesModule, WritesModule, ClustersModule, ValidateModule], controllers: [VersionsController], providers: [VersionsService], exports: [VersionsService] })
export class VersionsModule {}
