import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { WritesModule } from '../writes/writes.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

/** API keys: their routes, the first admin key, and the Authenticator the global AuthGuard uses. */
@Module({
  imports: [RepositoriesModule, WritesModule, AuditModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, AdminBootstrapService],
  exports: [ApiKeysService],
})
export class ApiKeysModule {}
