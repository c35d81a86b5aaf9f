import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn } from 'class-validator';
import { ROLES, type Role } from '../auth/roles';

export class PutPersonDto {
  @ApiProperty({ enum: ROLES, isArray: true, example: ['approver'], description: 'The roles the person holds when a bot acts for them (X-Acting-For)' })
  @IsArray()
  @ArrayMaxSize(4)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles!: Role[];
}

export class PersonView {
  @ApiProperty({ description: 'Lower-cased user name (UPN, e-mail address or chat handle)', example: 'alice@contoso.com' })
  name!: string;

  @ApiProperty({ enum: ROLES, isArray: true })
  roles!: Role[];

  @ApiProperty({ enum: ['oidc', 'admin'], description: 'Who set the roles last: a sign-in with a token, or an admin' })
  source!: 'oidc' | 'admin';

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'The last sign-in with a token (recorded at most once a minute)' })
  lastSeenAt!: string | null;
}
