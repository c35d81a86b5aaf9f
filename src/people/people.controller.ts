import { Body, Controller, Get, Param, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { LOCATION_HEADER } from '../http/api-responses';
import type { FastifyReply } from 'fastify';
import { type Caller, CurrentCaller } from '../auth/principal';
import { RequireRole } from '../auth/roles.decorator';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator';
import { DEFAULT_PAGE_SIZE, type Page, PageQueryDto } from '../http/pagination';
import { Paginated } from '../http/paginated.decorator';
import { PeopleService } from './people.service';
import { PersonView, PutPersonDto } from './person.dto';

@ApiTags('people')
@RequireRole('admin')
@Controller('v1/people')
export class PeopleController {
  constructor(private readonly people: PeopleService) {}

  @Get()
  @ApiOperation({ summary: 'Everyone the service knows: people who signed in with a token, or whom an admin named' })
  @Paginated(PersonView, 'A page of people')
  @ApiProblemResponses(400, 401, 403)
  list(@Query() query: PageQueryDto): Promise<Page<PersonView>> {
    return this.people.list(query.limit ?? DEFAULT_PAGE_SIZE, query.cursor);
  }

  @Get(':name')
  @ApiOperation({ summary: 'One person (names are case-insensitive)' })
  @ApiParam({ name: 'name', example: 'alice@contoso.com' })
  @ApiOkResponse({ type: PersonView })
  @ApiProblemResponses(400, 401, 403, 404)
  get(@Param('name') name: string): Promise<PersonView> {
    return this.people.get(PeopleService.nameOf(name));
  }

  @Put(':name')
  @ApiOperation({ summary: "Set a person's roles (used when a bot acts for them with X-Acting-For); audited as person.updated" })
  @ApiParam({ name: 'name', example: 'alice@contoso.com' })
  @ApiCreatedResponse({ type: PersonView, description: 'The person was new', headers: LOCATION_HEADER })
  @ApiOkResponse({ type: PersonView, description: 'The person existed; their roles are now these' })
  @ApiProblemResponses(400, 401, 403)
  async put(
    @Param('name') name: string,
    @Body() body: PutPersonDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PersonView> {
    const { created, person } = await this.people.put(PeopleService.nameOf(name), body, caller);
    reply.status(created ? 201 : 200);
    if (created) reply.header('location', `/v1/people/${encodeURIComponent(person.name)}`);
    return person;
  }
}
