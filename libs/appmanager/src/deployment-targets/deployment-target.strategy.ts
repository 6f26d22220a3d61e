import { Injectable } from '@nestjs/common';
import { ApiError } from '../../../resource-kit/src/errors';
import { sameJson } from '../../../resource-kit/src/store';
import { KindStrategy, ResourceDoc, StoredRow, WriteContext } from '../../../resource-kit/src/strategy';
import { requestContract } from '../contract';

@Injectable()
export class DeploymentTargetStrategy implements KindStrategy {
  readonly kind = 'DeploymentTarget';
  readonly nameRule = 'wide' as const;

  validate(doc: ResourceDoc) {
    return requestContract.validate('DeploymentTargetSpec', doc.spec, 'spec');
  }

  /** Since 2.4 a target's metadata may change on PUT, its spec may not. */
  prepareForUpdate(doc: ResourceDoc, existing: StoredRow): void {
    if (!sameJson(doc.spec, existing.spec)) {
      throw ApiError.field('spec', 'is immutable once the deployment target exists; create a new deployment target instead');
    }
  }

  async beforeDelete(row: StoredRow, ctx: WriteContext): Promise<void> {
    const users = await ctx.tx.$queryRaw<{ kind: string; name: string }[]>`SELECT kind, name FROM resources
      WHERE namespace = ${ctx.namespace} AND kind IN ('Deployment', 'SessionCluster')
        AND (spec->>'deploymentTargetName' = ${row.name} OR spec->>'deploymentTargetId' = ${row.id})
      ORDER BY kind, name LIMIT 10`;
    if (users.length) {
      throw ApiError.conflict(
        `DeploymentTarget "${row.name}" is still used by ${users.map((u) => `${u.kind} "${u.name}"`).join(', ')}.`,
        { references: users.map((u) => `${u.kind}/${u.name}`) },
        'DeploymentTargetInUse',
      );
    }
  }
}
