import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { NoPrivateKey } from '../../common/no-private-key.validator';
import { IsStorableText } from '../../common/text.validators';

export class DecisionDto {
  @ApiProperty({ enum: ['approve', 'reject'] })
  @IsIn(['approve', 'reject'], { message: 'decision must be approve or reject' })
  decision!: 'approve' | 'reject';

  @ApiPropertyOptional({ example: 'Proxy is live, PDBs checked' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @NoPrivateKey()
  @IsStorableText()
  comment?: string;
}
