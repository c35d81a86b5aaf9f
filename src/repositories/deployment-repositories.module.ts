import { Module } from '@nestjs/common';
import { DeploymentRepository } from './deployment.repository';
import { FleetRepository } from './fleet.repository';

/** The repositories of deployment state (observations) and of fleet-wide queries (CA report, gauges). */
@Module({ providers: [DeploymentRepository, FleetRepository], exports: [DeploymentRepository, FleetRepository] })
export class DeploymentRepositoriesModule {}
