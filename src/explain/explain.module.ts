import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { ValidateModule } from '../validate/validate.module';
import { VersionsModule } from '../versions/versions.module';
import { ExplainController } from './explain.controller';
import { ExplainService } from './explain.service';

@Module({ imports: [ClustersModule, ValidateModule, VersionsModule], controllers: [ExplainController], providers: [ExplainService] })
export class ExplainModule {}
