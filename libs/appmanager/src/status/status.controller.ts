import { Controller, Get, Inject } from '@nestjs/common';
import { ResolvedConfig, SERVER_CONFIG } from '../../../config/src/config';
import { ApiTags } from '@nestjs/swagger';
import { AccessResource } from '../../../auth/src/access.decorator';
import { PrismaService } from '../../../persistence/src/prisma.service';
import { ApiError } from '../../../resource-kit/src/errors';
import { Operation } from '../../../resource-kit/src/openapi';

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../persistence/src/project-root';

const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
const STARTED = new Date().toISOString();

@ApiTags('status-resource')
@AccessResource('Status')
@Controller('api/v1/status')
export class StatusController {
  constructor(
    private readonly db: PrismaService,
    @Inject(SERVER_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  @Get()
  @Operation({ id: 'getStatusUsingGET', summary: 'Liveness of the API and its database (200, or 503 when the database does not answer)' })
  async status() {
    if (!(await this.db.isReachable())) throw ApiError.unavailable();
    return { status: 'OK' };
  }

  @Get('system-info')
  @Operation({ id: 'getSystemInfoUsingGET', summary: 'Build and runtime information', response: 'SystemInformation' })
  systemInfo() {
    const sha = this.config.gitCommit ?? 'unknown';
    return {
      apiVersion: 'v1',
      kind: 'SystemInformation',
      status: {
        jvmVersion: `Node.js ${process.version}`,
        revisionInformation: { buildVersion: pkg.version, buildTime: STARTED, commitShaLong: sha, commitShaShort: sha.slice(0, 7) },
        resourceQuota: {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          spec: { type: 'UNLIMITED', limits: {}, toleratedOveruse: {} },
          status: { used: { cpu: 0 } },
        },
      },
    };
  }
}
