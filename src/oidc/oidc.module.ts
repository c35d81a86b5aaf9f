import { Module } from '@nestjs/common';
import { TOKEN_VERIFIER } from '../auth/identity';
import { HealthModule } from '../health/health.module';
import { OidcVerifier } from './oidc-verifier.service';

/** OpenID Connect access tokens (OIDC_ISSUER), behind the TokenVerifier interface the AuthGuard injects. */
@Module({
  imports: [HealthModule],
  providers: [OidcVerifier, { provide: TOKEN_VERIFIER, useExisting: OidcVerifier }],
  exports: [TOKEN_VERIFIER],
})
export class OidcModule {}
