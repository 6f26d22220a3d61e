import { Injectable } from '@nestjs/common';
import { KindStrategy, ResourceDoc, WriteContext } from '../../../resource-kit/src/strategy';
import { normalizeStrategyKinds, requestContract, stringifyFlinkConfiguration } from '../contract';
import { deploymentSpecErrors } from '../deployments/deployment-spec.validation';

/** One DeploymentDefaults per namespace, id-addressed, created with the namespace. Every spec field is optional. */
@Injectable()
export class DeploymentDefaultsStrategy implements KindStrategy {
  readonly kind = 'DeploymentDefaults';

  private normalize(doc: ResourceDoc): void {
    requestContract.prune('DeploymentSpec', doc.spec);
    normalizeStrategyKinds(doc.spec);
    stringifyFlinkConfiguration((doc.spec.template as { spec?: unknown } | undefined)?.spec);
  }

  prepareForCreate(doc: ResourceDoc): void {
    this.normalize(doc);
  }

  prepareForUpdate(doc: ResourceDoc): void {
    this.normalize(doc);
  }

  validate(doc: ResourceDoc, ctx: WriteContext) {
    return deploymentSpecErrors(doc.spec, { partial: true, namespace: ctx.namespace, tx: ctx.tx });
  }
}
