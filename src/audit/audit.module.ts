import { Module } from '@nestjs/common';
import { RepositoriesModule } from '../repositories/repositories.module';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Module({ imports: [RepositoriesModule], controllers: [AuditController], providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
