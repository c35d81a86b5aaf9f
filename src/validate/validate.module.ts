import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { ValidateController } from './validate.controller';
import { ValidateService } from './validate.service';

@Module({ imports: [ClustersModule], controllers: [ValidateController], providers: [ValidateService], exports: [ValidateService] })
export class ValidateModule {}
