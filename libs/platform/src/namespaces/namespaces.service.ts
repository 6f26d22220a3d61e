import { Injectable } from '@nestjs/common';
import { TokenVerifier } from '../../../auth/src/token-verifier';
import { DeploymentDefaultsService } from '../../../appmanager/src/deployment-defaults/deployment-defaults.service';
import { PrismaService, Tx } from '../../../persistence/src/prisma.service';
import { ApiError, FieldError } from '../../../resource-kit/src/errors';
import { applyMergePatch, isPlainObject } from '../../../resource-kit/src/merge-patch';
import { nameErrors } from '../../../resource-kit/src/names';
import { platformContract } from '../contract';

// Namespaces are Platform API resources (protobuf style, no metadata/spec split): `name` is the full
// resource path `namespaces/<id>`; responses wrap the resource as `{namespace}` / `{namespaces}`.

export const ROLES = ['viewer', 'editor', 'owner'] as const;

interface NamespaceRow {
  name: string;
  roleBindings: unknown;
  lifecyclePhase: string;
  previewSessionClusterName: string | null;
  createdAt: Date;
}

export interface NamespaceBody {
  name: string;
  roleBindings: { role: string; members: string[] }[];
  createTime: string;
  lifecyclePhase: string;
  previewSessionClusterName?: string;
}

export function present(row: NamespaceRow): NamespaceBody {
  return {
    name: `namespaces/${row.name}`,
    roleBindings: (row.roleBindings as NamespaceBody['roleBindings']) ?? [],
    createTime: row.createdAt.toISOString(),
    lifecyclePhase: row.lifecyclePhase,
    ...(row.previewSessionClusterName ? { previewSessionClusterName: row.previewSessionClusterName } : {}),
  };
}

/** The writable fields of a Namespace body: role bindings and the preview session cluster. */
function writableFields(body: Record<string, unknown>): { roleBindings: NamespaceBody['roleBindings']; previewSessionClusterName: string | null } {
  const errors: FieldError[] = platformContract.validate('Namespace', body);
  const bindings = Array.isArray(body.roleBindings) ? body.roleBindings : [];
  bindings.forEach((b, i) => {
    if (!isPlainObject(b)) return;
    if (!ROLES.includes(b.role as (typeof ROLES)[number])) errors.push({ attribute: `roleBindings[${i}].role`, message: `must be one of ${ROLES.join(', ')}` });
    if (b.members !== undefined && !Array.isArray(b.members)) errors.push({ attribute: `roleBindings[${i}].members`, message: 'must be a list of strings' });
  });
  if (errors.length) throw ApiError.validation(errors);
  return {
    roleBindings: bindings.map((b) => ({ role: String((b as { role: unknown }).role), members: ((b as { members?: string[] }).members ?? []).map(String) })),
    previewSessionClusterName: typeof body.previewSessionClusterName === 'string' && body.previewSessionClusterName ? body.previewSessionClusterName : null,
  };
}

/** `namespaces/<id>` or a bare `<id>` → `<id>` (checked against the name rule). */
export function namespaceId(name: unknown, attribute = 'name'): string {
  if (typeof name !== 'string' || name === '') throw ApiError.field(attribute, 'is required (namespaces/<name>)');
  const id = name.startsWith('namespaces/') ? name.slice('namespaces/'.length) : name;
  const errors = nameErrors(id, 'dns-label', attribute);
  if (errors.length) throw ApiError.validation(errors);
  return id;
}

@Injectable()
export class NamespacesService {
  constructor(
    private readonly db: PrismaService,
    private readonly defaults: DeploymentDefaultsService,
    private readonly tokens: TokenVerifier,
  ) {}

  async list(): Promise<{ namespaces: NamespaceBody[] }> {
    const rows = await this.db.namespace.findMany({ orderBy: { name: 'asc' } });
    return { namespaces: rows.map(present) };
  }

  async get(ns: string): Promise<{ namespace: NamespaceBody }> {
    const row = await this.db.namespace.findUnique({ where: { name: ns } });
    if (!row) throw ApiError.notFound('Namespace', ns);
    return { namespace: present(row) };
  }

  /** Creates a namespace and its DeploymentDefaults in one transaction. */
  async create(body: unknown): Promise<{ namespace: NamespaceBody }> {
    if (!isPlainObject(body)) throw ApiError.badRequest('The request body must be a Namespace object.', {}, 'MalformedBody');
    const id = namespaceId(body.name);
    const fields = writableFields(body);
    return this.db.tx(async (tx) => {
      if (await tx.namespace.findUnique({ where: { name: id } })) throw ApiError.alreadyExists('Namespace', id);
      const row = await this.insert(tx, id, fields);
      return { namespace: present(row) };
    });
  }

  async insert(tx: Tx, id: string, fields: Partial<ReturnType<typeof writableFields>> = {}) {
    const row = await tx.namespace.create({ data: { name: id, roleBindings: fields.roleBindings ?? [], previewSessionClusterName: fields.previewSessionClusterName ?? null } });
    await this.defaults.createFor(tx, id);
    return row;
  }

  /** Makes sure namespace `default` exists (first start). */
  async ensureDefault(): Promise<void> {
    await this.db.tx(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(72707370)`;
      if (!(await tx.namespace.findUnique({ where: { name: 'default' } }))) await this.insert(tx, 'default');
    });
  }

  private async update(ns: string, next: (current: NamespaceBody) => Record<string, unknown>): Promise<{ namespace: NamespaceBody }> {
    return this.db.tx(async (tx) => {
      const locked = await tx.$queryRaw<{ name: string }[]>`SELECT name FROM namespaces WHERE name = ${ns} FOR UPDATE`;
      if (locked.length === 0) throw ApiError.notFound('Namespace', ns);
      const current = present((await tx.namespace.findUnique({ where: { name: ns } }))!);
      const body = next(current);
      if (body.name !== undefined && body.name !== null && namespaceId(body.name) !== ns) throw ApiError.field('name', 'is immutable');
      const fields = writableFields(body);
      const row = await tx.namespace.update({
        where: { name: ns },
        data: { roleBindings: fields.roleBindings, previewSessionClusterName: fields.previewSessionClusterName, resourceVersion: { increment: 1 }, modifiedAt: new Date() },
      });
      return { namespace: present(row) };
    });
  }

  /**
   * `:setPreviewSessionCluster` {previewSessionClusterName} → {}: the session cluster must exist in the
   * namespace (an empty name clears the setting).
   */
  async setPreviewSessionCluster(ns: string, body: unknown): Promise<Record<string, never>> {
    if (!isPlainObject(body)) throw ApiError.badRequest('The request body must be an object.', {}, 'MalformedBody');
    const errors = platformContract.validate('SetPreviewSessionClusterRequest', body);
    if (errors.length) throw ApiError.validation(errors);
    const name = typeof body.previewSessionClusterName === 'string' ? body.previewSessionClusterName : '';
    await this.db.tx(async (tx) => {
      const locked = await tx.$queryRaw<{ phase: string }[]>`SELECT lifecycle_phase AS phase FROM namespaces WHERE name = ${ns} FOR UPDATE`;
      if (locked.length === 0) throw ApiError.notFound('Namespace', ns);
      if (locked[0].phase === 'LIFECYCLE_PHASE_TERMINATING') throw ApiError.conflict(`Namespace "${ns}" is being deleted.`, { namespace: ns }, 'NamespaceTerminating');
      if (name) {
        const found = await tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM resources WHERE namespace = ${ns} AND kind = 'SessionCluster' AND name = ${name}`;
        if (found.length === 0) throw ApiError.field('previewSessionClusterName', `session cluster "${name}" does not exist in namespace "${ns}"`);
      }
      await tx.namespace.update({
        where: { name: ns },
        data: { previewSessionClusterName: name || null, resourceVersion: { increment: 1 }, modifiedAt: new Date() },
      });
    });
    return {};
  }

  /** PUT replaces the writable fields. */
  replace(ns: string, body: unknown) {
    if (!isPlainObject(body)) throw ApiError.badRequest('The request body must be a Namespace object.', {}, 'MalformedBody');
    return this.update(ns, () => body);
  }

  /** PATCH merges (RFC 7386) into the writable fields. */
  patch(ns: string, body: unknown) {
    if (!isPlainObject(body)) throw ApiError.badRequest('A merge patch must be a JSON object.', {}, 'MalformedBody');
    return this.update(ns, (current) => applyMergePatch(current, body) as Record<string, unknown>);
  }

  /**
   * Marks the namespace TERMINATING (answered at once, as the real platform does). From then on
   * nothing new can be written in it; the reconciler cancels what runs and, once nothing runs,
   * removes the namespace and everything in it in one transaction (NamespaceTerminator).
   */
  async remove(ns: string): Promise<{ namespace: NamespaceBody }> {
    return this.db.tx(async (tx) => {
      const locked = await tx.$queryRaw<{ name: string }[]>`SELECT name FROM namespaces WHERE name = ${ns} FOR UPDATE`;
      if (locked.length === 0) throw ApiError.notFound('Namespace', ns);
      const row = await tx.namespace.update({
        where: { name: ns },
        data: { lifecyclePhase: 'LIFECYCLE_PHASE_TERMINATING', resourceVersion: { increment: 1 }, modifiedAt: new Date() },
      });
      // its API tokens stop working now, not when the content is gone: a namespace recreated under the
      // same name must not inherit them
      await tx.$executeRaw`DELETE FROM api_tokens WHERE namespace = ${ns}`;
      return { namespace: present(row) };
    }).finally(() => this.tokens.revoke(ns));
  }
}
