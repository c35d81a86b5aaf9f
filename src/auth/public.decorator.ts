import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:public';

/** Marks a controller or route that needs no token (/healthz, /readyz, /metrics). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
