import { Module } from '@nestjs/common';
import { RepositoriesModule } from '../repositories/repositories.module';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

@Module({ imports: [RepositoriesModule], controllers: [ReportsController], providers: [ReportsService] })
export class ReportsModule {}
