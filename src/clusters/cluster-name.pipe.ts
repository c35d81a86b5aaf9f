import { Injectable, type PipeTransform } from '@nestjs/common';
import { notFound } from '../common/service-error';
import { CLUSTER_NAME } from './dto/cluster.dto';

/** The cluster name a path segment stands for (names are case-insensitive), or null when it cannot be one. */
export function clusterNameOf(value: string): string | null {
  return CLUSTER_NAME.test(value) ? value.toLowerCase() : null;
}

/** A path segment that cannot be a cluster name is a cluster that does not exist; names are case-insensitive. */
@Injectable()
export class ClusterNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const name = clusterNameOf(value);
    if (name === null) throw notFound('CLUSTER_NOT_FOUND', `No cluster is named "${value.slice(0, 80)}".`);
    return name;
  }
}
