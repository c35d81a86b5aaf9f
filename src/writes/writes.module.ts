import { Module } from '@nestjs/common';
import { RepositoriesModule } from '../repositories/repositories.module';
import { Writes } from './writes.service';

@Module({ imports: [RepositoriesModule], providers: [Writes], exports: [Writes] })
export class WritesModule {}
