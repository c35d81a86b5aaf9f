import { SetMetadata } from '@nestjs/common';
import type { Role } from './roles';

export const REQUIRED_ROLE = 'auth:role';

/** The role a route needs (see hasRole for what each role implies). */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);
