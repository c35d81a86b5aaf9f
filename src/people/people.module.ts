import { Module } from '@nestjs/common';
import { PEOPLE_DIRECTORY } from '../auth/identity';
import { PeopleRepository } from '../repositories/people.repository';
import { PeopleController } from './people.controller';
import { PeopleService } from './people.service';

@Module({
  controllers: [PeopleController],
  providers: [PeopleService, PeopleRepository, { provide: PEOPLE_DIRECTORY, useExisting: PeopleService }],
  exports: [PeopleService, PEOPLE_DIRECTORY],
})
export class PeopleModule {}
