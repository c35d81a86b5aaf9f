import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { DatabaseService } from '../database/database.service';
import { ShutdownState } from './shutdown-state';

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly database: DatabaseService,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The process is up.' })
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOkResponse({ description: 'The database is reachable and migrated.' })
  @ApiServiceUnavailableResponse({ description: 'The database is not reachable or not migrated yet, or the process is shutting down.' })
  async readyz(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ status: 'ready' | 'not ready'; database: string; reason?: string }> {
    if (this.shutdown.draining) {
      reply.status(503);
      return { status: 'not ready', database: this.database.kind, reason: 'shutting down' };
    }
    const state = await this.database.readiness();
    if (!state.ready) {
      reply.status(503);
      return { status: 'not ready', database: this.database.kind, reason: state.reason };
    }
    return { status: 'ready', database: this.database.kind };
  }
}
