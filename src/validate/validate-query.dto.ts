import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { CLUSTER_NAME, ClusterNameCase } from '../common/cluster-name';

export class ValidateQueryDto {
  @ApiPropertyOptional({ description: 'A registered cluster whose rules apply too' })
  @IsOptional()
  @ClusterNameCase()
  @Matches(CLUSTER_NAME, { message: 'cluster must be a cluster name' })
  cluster?: string;
}
