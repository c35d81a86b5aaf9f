import { Injectable, type PipeTransform } from '@nestjs/common';
import { notFound } from '../common/service-error';
import { CLUSTER_NAME } from './dto/cluster.dto';

/** A path segment that cannot be a cluster name is a cluster that does not exist; names are case-insensitive. */
@Injectable()
export class ClusterNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!CLUSTER_NAME.test(value)) throw notFound('CLUSTER_NOT_FOUND', `No cluster is named "${value.slice(0, 80)}".`);
    return value.toLowerCase();
  }
}
