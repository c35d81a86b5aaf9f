import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';
import { AuditModule } from './audit/audit.module';
import { AuthGuard } from './auth/auth.guard';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AUTHENTICATOR } from './auth/authenticator';
import { ClustersModule } from './clusters/clusters.module';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { CLOCK, type Clock, systemClock } from './common/clock';
import { DatabaseModule } from './database/database.module';
import { ExplainModule } from './explain/explain.module';
import { HealthModule } from './health/health.module';
import { ProblemDetailsFilter } from './http/problem-details.filter';
import { StrictQueryGuard } from './http/strict-query.guard';
import { LOGGER } from './logging/logger';
import { ObservationsModule } from './observations/observations.module';
import { ReportsModule } from './reports/reports.module';
import { OidcModule } from './oidc/oidc.module';
import { PeopleModule } from './people/people.module';
import { ValidateModule } from './validate/validate.module';
import { VersionsModule } from './versions/versions.module';
import { WebhooksModule } from './webhooks/webhooks.module';

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
        ApiKeysModule,
        PeopleModule,
        OidcModule,
        HealthModule,
        ValidateModule,
        ClustersModule,
        VersionsModule,
        ExplainModule,
        WebhooksModule,
        ObservationsModule,
        ReportsModule,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: CLOCK, useValue: clock },
        { provide: AUTHENTICATOR, useExisting: ApiKeysService },
        { provide: APP_GUARD, useClass: AuthGuard },
        // After authentication: a query parameter the route does not know is a 400 naming it.
        { provide: APP_GUARD, useClass: StrictQueryGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
      exports: [APP_CONFIG, LOGGER, CLOCK],
    };
  }
}
