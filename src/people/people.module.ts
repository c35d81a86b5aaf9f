import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { PEOPLE_DIRECTORY } from '../auth/identity';
import { RepositoriesModule } from '../repositories/repositories.module';
import { WritesModule } from '../writes/writes.module';
import { PeopleController } from './people.controller';
import { PeopleService } from './people.service';

/** People: their routes, and the PeopleDirectory the global AuthGuard uses (acting for, sign-ins). */
@Module({
  imports: [RepositoriesModule, WritesModule, AuditModule],
  controllers: [PeopleController],
  providers: [PeopleService, { provide: PEOPLE_DIRECTORY, useExisting: PeopleService }],
  exports: [PeopleService, PEOPLE_DIRECTORY],
})
export class PeopleModule {}
