import { WritesModule } from '../writes/writes.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { Global, Module } from '@nestjs/common';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

@Global()
@Module({ imports: [RepositoriesModule, WritesModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, AdminBootstrapService],
  exports: [ApiKeysService],
})
export class AuthModule {}
