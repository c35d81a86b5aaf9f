import { Module } from '@nestjs/common';
import { WritesModule } from '../writes/writes.module';
import { ReadCache } from './read-cache.service';

/** One read cache per process (cluster and version GETs). */
@Module({ imports: [WritesModule], providers: [ReadCache], exports: [ReadCache] })
export class CacheModule {}
