import { Global, Module } from '@nestjs/common';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { OidcVerifier } from './oidc-verifier.service';

@Global()
@Module({
  controllers: [ApiKeysController],
  providers: [ApiKeysService, AdminBootstrapService, OidcVerifier],
  exports: [ApiKeysService, OidcVerifier],
})
export class AuthModule {}
