import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './auth/auth.guard';
import { AuthModule } from './auth/auth.module';
import { ClustersModule } from './clusters/clusters.module';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { CLOCK, type Clock, systemClock } from './common/clock';
import { DatabaseModule } from './database/database.module';
import { ExplainModule } from './explain/explain.module';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { LOGGER } from './logging/logger';
import { OidcModule } from './oidc/oidc.module';
import { PeopleModule } from './people/people.module';
import { ValidateModule } from './validate/validate.module';
import { VersionsModule } from './versions/versions.module';

export interface AppModuleOptions {
  config: AppConfig;
  logger: Logger;
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot({ config, logger, clock = systemClock }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        DatabaseModule,
        AuditModule,
        AuthModule,
        PeopleModule,
        OidcModule,
        HealthModule,
        IdempotencyModule,
        ValidateModule,
        ClustersModule,
        VersionsModule,
        ExplainModule,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: CLOCK, useValue: clock },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
      exports: [APP_CONFIG, LOGGER, CLOCK],
    };
  }
}
