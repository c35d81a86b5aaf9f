import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CLUSTER_NAME, ClusterNameCase } from '../common/cluster-name';

export class ExplainDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The config as the CLI file holds it' })
  @IsObject({ message: 'config must be a JSON object' })
  config!: Record<string, unknown>;

  @ApiProperty({ type: [String], example: ['https://mcr.microsoft.com/v2/', 'http://api.corp.example/'] })
  @IsArray()
  @ArrayMinSize(1, { message: 'urls must hold at least one URL' })
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(2048, { each: true })
  urls!: string[];

  @ApiPropertyOptional({ description: 'A registered cluster: its network joins NO_PROXY as AKS adds it' })
  @IsOptional()
  @ClusterNameCase()
  @Matches(CLUSTER_NAME, { message: 'cluster must be a cluster name' })
  cluster?: string;
}
