import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '../../common/is-optional-not-null.decorator';
import { NoPrivateKey } from '../../common/no-private-key.validator';
import { IsStorableText } from '../../common/text.validators';

export class SubmitConfigDto {
  @ApiPropertyOptional({
    description: 'The config exactly as the az aks --http-proxy-config file holds it (give this or revertTo)',
    type: 'object',
    additionalProperties: true,
    example: { httpProxy: 'http://proxy.corp.example:3128/', noProxy: ['.corp.example'] },
  })
  @IsOptionalNotNull()
  @IsObject({ message: 'config must be a JSON object' })
  config?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Re-submit the content of this earlier version (give this or config)', minimum: 1, maximum: 999_999_999 })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(999_999_999, { message: 'revertTo must be a version number from 1 to 999999999' })
  revertTo?: number;

  @ApiProperty({ description: 'Why the change is needed', example: 'Move to the new egress proxy' })
  @IsString()
  @MinLength(1, { message: 'reason must not be empty' })
  @Matches(/\S/, { message: 'reason must not be blank: say why the change is needed' })
  @MaxLength(2000)
  @NoPrivateKey()
  @IsStorableText()
  reason!: string;

  @ApiPropertyOptional({ description: 'Change ticket reference', example: 'CHG0012345' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @NoPrivateKey()
  @IsStorableText()
  changeTicket?: string;
}
