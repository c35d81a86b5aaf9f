import { Module } from '@nestjs/common';
import { DeploymentRepositoriesModule } from '../repositories/deployment-repositories.module';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

@Module({ imports: [DeploymentRepositoriesModule], controllers: [ReportsController], providers: [ReportsService] })
export class ReportsModule {}
