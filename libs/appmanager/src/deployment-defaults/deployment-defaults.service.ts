import { Inject, Injectable } from '@nestjs/common';
import { ResolvedConfig, SERVER_CONFIG } from '../../../config/src/config';
import type { Tx } from '../../../persistence/src/prisma.service';
import { ApiError } from '../../../resource-kit/src/errors';
import { ResourceStore, toResource } from '../../../resource-kit/src/store';
import { Resource } from '../../../resource-kit/src/strategy';
import { DeploymentDefaultsStrategy } from './deployment-defaults.strategy';
import { globalDefaultsSpec, mergeDefaults } from './global-defaults';

@Injectable()
export class DeploymentDefaultsService {
  readonly globalSpec: Record<string, unknown>;

  constructor(
    private readonly store: ResourceStore,
    readonly strategy: DeploymentDefaultsStrategy,
    @Inject(SERVER_CONFIG) config: ResolvedConfig,
  ) {
    this.globalSpec = globalDefaultsSpec(config.globalDeploymentDefaults);
  }

  globalDefaults(): Resource | Record<string, unknown> {
    return { kind: 'DeploymentDefaults', apiVersion: 'v1', metadata: { name: 'global' }, spec: this.globalSpec };
  }

  /** Called in the namespace-creating transaction. */
  async createFor(tx: Tx, namespace: string): Promise<void> {
    await this.store.createIn({ tx, namespace, options: {} }, this.strategy, { metadata: {}, spec: {} });
  }

  private async rowId(namespace: string): Promise<string> {
    const rows = await this.store.listRows(this.store.db, namespace, this.strategy);
    if (rows.length === 0) {
      await this.store.requireNamespace(this.store.db, namespace);
      throw ApiError.notFound('DeploymentDefaults', namespace, namespace);
    }
    return rows[0].id;
  }

  async get(namespace: string): Promise<Resource> {
    const rows = await this.store.listRows(this.store.db, namespace, this.strategy);
    if (rows.length === 0) {
      await this.store.requireNamespace(this.store.db, namespace);
      throw ApiError.notFound('DeploymentDefaults', namespace, namespace);
    }
    return toResource(rows[0], this.strategy);
  }

  async patch(namespace: string, body: unknown, ifMatch?: string): Promise<Resource> {
    return this.store.patch(namespace, this.strategy, await this.rowId(namespace), body, { ifMatch });
  }

  /** The defaults a deployment of this namespace gets: global, then namespace, then its own spec. */
  async applyTo(tx: Tx, namespace: string, own: Record<string, unknown>): Promise<Record<string, unknown>> {
    const rows = await this.store.listRows(tx, namespace, this.strategy);
    return mergeDefaults(this.globalSpec, rows[0]?.spec ?? {}, own);
  }
}
