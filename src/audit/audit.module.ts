import { Module } from '@nestjs/common';
import { RepositoriesModule } from '../repositories/repositories.module';
import { WritesModule } from '../writes/writes.module';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

@Module({ imports: [RepositoriesModule, WritesModule], controllers: [AuditController], providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
