import { RepositoriesModule } from '../repositories/repositories.module';
import { Global, Module } from '@nestjs/common';
import { IdempotencyService } from './idempotency.service';

@Global()
@Module({ imports: [RepositoriesModule], providers: [IdempotencyService], exports: [IdempotencyService] })
export class IdempotencyModule {}
