import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma } from '../../../generated/prisma/client';
import { PrismaService, Tx } from '../../persistence/src/prisma.service';
import { RawJson } from './content';
import { ApiError, FieldError } from './errors';
import { matchesLabels, parseLabelSelector } from './label-selector';
import { applyMergePatch, canonical, dropNulls, isPlainObject } from './merge-patch';
import { isUuid, nameErrors } from './names';
import { KindStrategy, Resource, ResourceDoc, StoredRow, WriteContext } from './strategy';

// The generic versioned store: every AppManager kind is created, read, replaced, patched and
// deleted here. It owns the envelope rules (namespace from the URL, immutable id/name/createdAt,
// system metadata and status ignored on input, resourceVersion +1 per write in the same
// transaction, If-Match preconditions) so that no kind has to repeat them.

export const SYSTEM_ANNOTATION_PREFIX = 'com.dataartisans.appmanager.controller.';
const ENVELOPE_KEYS = new Set(['id', 'name', 'namespace', 'createdAt', 'modifiedAt', 'resourceVersion', 'labels', 'annotations']);

export interface WriteOptions {
  /** the If-Match header, raw */
  ifMatch?: string;
  /** kind-specific request options (query parameters) */
  options?: Record<string, unknown>;
}

const COLUMNS = Prisma.sql`id, namespace, kind, name, resource_version AS "resourceVersion", created_at AS "createdAt",
  modified_at AS "modifiedAt", metadata, spec, status`;

export interface ResourceList {
  kind: string;
  apiVersion: 'v1';
  metadata: Record<string, never>;
  items: Resource[];
}

export function toResource(row: StoredRow, strategy: KindStrategy): Resource {
  const { labels, annotations, ...rest } = row.metadata as { labels?: unknown; annotations?: unknown };
  const metadata: Resource['metadata'] = {
    id: row.id,
    ...(row.name !== null ? { name: row.name } : {}),
    namespace: row.namespace,
    ...rest,
    labels: (labels as Record<string, string>) ?? {},
    annotations: (annotations as Record<string, string>) ?? {},
    createdAt: row.createdAt.toISOString(),
    modifiedAt: row.modifiedAt.toISOString(),
    resourceVersion: row.resourceVersion,
  };
  const resource: Resource = { kind: strategy.kind, apiVersion: 'v1', metadata, spec: row.spec };
  if (row.status) resource.status = row.status;
  return strategy.present ? strategy.present(resource) : resource;
}

function parseIfMatch(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return header.trim();
}

function checkPrecondition(ifMatch: string | undefined, current: number | undefined): void {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((t) => t.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'));
  if (current !== undefined && tags.includes('*')) return;
  if (current === undefined || !tags.includes(String(current))) {
    throw ApiError.preconditionFailed(ifMatch, current ?? 0);
  }
}

/** The user-owned part of a request body, checked against the envelope rules. */
export function userDocFromBody(body: unknown, namespace: string, strategy: KindStrategy): ResourceDoc {
  if (!isPlainObject(body)) throw ApiError.badRequest(`The request body must be a ${strategy.kind} object.`, {}, 'MalformedBody');
  const errors: FieldError[] = [];
  if (body.kind !== undefined && body.kind !== null && body.kind !== strategy.kind) {
    errors.push({ attribute: 'kind', message: `must be ${strategy.kind}` });
  }
  if (body.apiVersion !== undefined && body.apiVersion !== null && body.apiVersion !== 'v1') {
    errors.push({ attribute: 'apiVersion', message: 'must be v1' });
  }
  const rawMeta = body.metadata ?? {};
  const rawSpec = body.spec ?? {};
  if (!isPlainObject(rawMeta)) errors.push({ attribute: 'metadata', message: 'must be an object' });
  if (!isPlainObject(rawSpec)) errors.push({ attribute: 'spec', message: 'must be an object' });
  if (errors.length) throw ApiError.validation(errors);
  const meta = rawMeta as Record<string, unknown>;
  if (meta.namespace !== undefined && meta.namespace !== null && meta.namespace !== namespace) {
    errors.push({ attribute: 'metadata.namespace', message: `must be "${namespace}" (the namespace in the URL) or omitted` });
  }
  const metadata: Record<string, unknown> = {};
  if (meta.name !== undefined && meta.name !== null) metadata.name = meta.name;
  for (const key of ['labels', 'annotations'] as const) {
    const value = meta[key];
    if (value === undefined || value === null) continue;
    if (!isPlainObject(value)) {
      errors.push({ attribute: `metadata.${key}`, message: 'must be a map of strings' });
      continue;
    }
    const map: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (key === 'annotations' && k.startsWith(SYSTEM_ANNOTATION_PREFIX)) continue; // system-owned
      if (v === null) continue;
      if (typeof v !== 'string') errors.push({ attribute: `metadata.${key}.${k}`, message: 'must be a string' });
      else map[k] = v;
    }
    metadata[key] = map;
  }
  for (const key of strategy.userMetadata ?? []) {
    if (meta[key] !== undefined && meta[key] !== null && !ENVELOPE_KEYS.has(key)) metadata[key] = meta[key];
  }
  // reported together with the kind's own validation, so one answer lists every problem
  return { metadata, spec: dropNulls(rawSpec) as Record<string, unknown>, ...(errors.length ? { inputErrors: errors } : {}) };
}

@Injectable()
export class ResourceStore {
  constructor(readonly db: PrismaService) {}

  /** Reads outside a transaction go straight to the pool (same SQL and row types, no query interpreter); in a transaction through Prisma. */
  private rows<T>(client: Tx | PrismaService, query: Prisma.Sql): Promise<T[]> {
    return client === this.db ? this.db.queryRows<T>(query) : client.$queryRaw<T[]>(query);
  }

  // ---------- namespace guard ----------

  /** 404 unless the namespace exists; on writes also 409 while it is being deleted, and a share lock. */
  async requireNamespace(client: Tx | PrismaService, namespace: string, forWrite = false): Promise<void> {
    const rows = forWrite
      ? await this.rows<{ phase: string }>(client, Prisma.sql`SELECT lifecycle_phase AS phase FROM namespaces WHERE name = ${namespace} FOR SHARE`)
      : await this.rows<{ phase: string }>(client, Prisma.sql`SELECT lifecycle_phase AS phase FROM namespaces WHERE name = ${namespace}`);
    if (rows.length === 0) throw ApiError.notFound('Namespace', namespace);
    if (forWrite && rows[0].phase === 'LIFECYCLE_PHASE_TERMINATING') {
      throw ApiError.conflict(`Namespace "${namespace}" is being deleted; no resources can be written in it.`, { namespace }, 'NamespaceTerminating');
    }
  }

  // ---------- reads ----------

  async findRow(client: Tx | PrismaService, namespace: string, strategy: KindStrategy, key: string, lock = false): Promise<StoredRow | null> {
    const forUpdate = lock ? Prisma.sql`FOR UPDATE` : Prisma.empty;
    const byId = async () =>
      (await this.rows<StoredRow>(client, Prisma.sql`SELECT ${COLUMNS} FROM resources
        WHERE id = ${key}::uuid AND namespace = ${namespace} AND kind = ${strategy.kind} ${forUpdate}`))[0] ?? null;
    const byName = async () =>
      (await this.rows<StoredRow>(client, Prisma.sql`SELECT ${COLUMNS} FROM resources
        WHERE namespace = ${namespace} AND kind = ${strategy.kind} AND name = ${key} ${forUpdate}`))[0] ?? null;
    if (!strategy.nameRule) return isUuid(key) ? byId() : null;
    if (strategy.idFallback && isUuid(key)) return (await byId()) ?? byName();
    return byName();
  }

  async get(namespace: string, strategy: KindStrategy, key: string): Promise<Resource> {
    const row = await this.findRow(this.db, namespace, strategy, key);
    if (!row) {
      await this.requireNamespace(this.db, namespace);
      throw ApiError.notFound(strategy.kind, key, namespace);
    }
    return toResource(row, strategy);
  }

  async listRows(
    client: Tx | PrismaService,
    namespace: string,
    strategy: KindStrategy,
    filter: { labelSelector?: unknown; metadata?: Record<string, string | undefined> } = {},
  ): Promise<StoredRow[]> {
    const requirements = parseLabelSelector(filter.labelSelector);
    const metaFilters = Object.entries(filter.metadata ?? {}).filter(([, v]) => v !== undefined && v !== '') as [string, string][];
    const metaSql = metaFilters.length
      ? Prisma.sql`AND metadata @> ${JSON.stringify(Object.fromEntries(metaFilters))}::jsonb`
      : Prisma.empty;
    const rows = await this.rows<StoredRow>(client, Prisma.sql`SELECT ${COLUMNS} FROM resources
      WHERE namespace = ${namespace} AND kind = ${strategy.kind} ${metaSql} ORDER BY seq`);
    return requirements.length ? rows.filter((r) => matchesLabels(r.metadata.labels as Record<string, string>, requirements)) : rows;
  }

  async list(
    namespace: string,
    strategy: KindStrategy,
    filter: { labelSelector?: unknown; metadata?: Record<string, string | undefined> } = {},
  ): Promise<ResourceList | RawJson> {
    if (!strategy.present) {
      const [text] = await Promise.all([this.listJson(namespace, strategy, filter), this.requireNamespace(this.db, namespace)]);
      return text;
    }
    const [rows] = await Promise.all([this.listRows(this.db, namespace, strategy, filter), this.requireNamespace(this.db, namespace)]);
    return { kind: `${strategy.kind}List`, apiVersion: 'v1', metadata: {}, items: rows.map((r) => toResource(r, strategy)) };
  }

  /**
   * The list as JSON text assembled by PostgreSQL: the same envelope as toResource (id, name,
   * namespace, labels and annotations defaulting to {}, the stored metadata, RFC 3339 timestamps,
   * resourceVersion, spec, status), without parsing and re-serialising every document in Node. For
   * 1,000 deployments this is most of the server's work on a LIST. Kinds with a `present` hook
   * (e.g. SecretValue) always go through toResource.
   */
  private async listJson(namespace: string, strategy: KindStrategy, filter: { labelSelector?: unknown; metadata?: Record<string, string | undefined> }): Promise<RawJson> {
    const requirements = parseLabelSelector(filter.labelSelector);
    const metaFilters = Object.entries(filter.metadata ?? {}).filter(([, v]) => v !== undefined && v !== '') as [string, string][];
    const metaSql = metaFilters.length ? Prisma.sql`AND metadata @> ${JSON.stringify(Object.fromEntries(metaFilters))}::jsonb` : Prisma.empty;
    const iso = (column: Prisma.Sql) => Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    const rows = await this.db.queryRows<{ labels: Record<string, string> | null; json: string }>(Prisma.sql`SELECT metadata->'labels' AS labels,
        (jsonb_build_object('kind', kind, 'apiVersion', 'v1',
          'metadata', jsonb_strip_nulls(jsonb_build_object('id', id, 'name', name, 'namespace', namespace))
            || jsonb_build_object('labels', '{}'::jsonb, 'annotations', '{}'::jsonb) || metadata
            || jsonb_build_object('createdAt', ${iso(Prisma.sql`created_at`)}, 'modifiedAt', ${iso(Prisma.sql`modified_at`)}, 'resourceVersion', resource_version),
          'spec', spec) || CASE WHEN status IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('status', status) END)::text AS json
      FROM resources WHERE namespace = ${namespace} AND kind = ${strategy.kind} ${metaSql} ORDER BY seq`);
    const items = requirements.length ? rows.filter((r) => matchesLabels(r.labels ?? {}, requirements)) : rows;
    return new RawJson(`{"kind":${JSON.stringify(`${strategy.kind}List`)},"apiVersion":"v1","metadata":{},"items":[${items.map((r) => r.json).join(',')}]}`);
  }

  // ---------- writes ----------

  private async validateOrThrow(doc: ResourceDoc, strategy: KindStrategy, ctx: WriteContext): Promise<void> {
    const errors = [
      ...(doc.inputErrors ?? []),
      ...(strategy.nameRule ? nameErrors(doc.metadata.name, strategy.nameRule) : []),
      ...(await strategy.validate(doc, ctx)),
    ];
    if (errors.length) throw ApiError.validation(errors);
  }

  private async insert(ctx: WriteContext, strategy: KindStrategy, doc: ResourceDoc): Promise<StoredRow> {
    // name-addressable kinds keep the name in its own column; for id-only kinds (Event) metadata.name
    // is an ordinary field
    const { name, ...rest } = doc.metadata;
    const metadata = strategy.nameRule ? rest : doc.metadata;
    const now = new Date();
    if (strategy.nameRule) {
      const clash = await ctx.tx.$queryRaw<{ id: string }[]>`SELECT id FROM resources
        WHERE namespace = ${ctx.namespace} AND kind = ${strategy.kind} AND name = ${name as string}`;
      if (clash.length) throw ApiError.alreadyExists(strategy.kind, name as string, ctx.namespace);
    }
    const row = {
      id: randomUUID(),
      namespace: ctx.namespace,
      kind: strategy.kind,
      name: strategy.nameRule ? (name as string) : null,
      resourceVersion: 1,
      createdAt: now,
      modifiedAt: now,
      metadata: metadata as Prisma.InputJsonObject,
      spec: doc.spec as Prisma.InputJsonObject,
      status: (doc.status ?? Prisma.DbNull) as Prisma.InputJsonObject,
    };
    try {
      await ctx.tx.resource.create({ data: row });
    } catch (e) {
      if ((e as { code?: string }).code === 'P2002') throw ApiError.alreadyExists(strategy.kind, name as string, ctx.namespace);
      throw e;
    }
    const stored = { ...row, metadata, spec: doc.spec, status: doc.status ?? null };
    await strategy.afterWrite?.(stored, ctx);
    return stored;
  }

  /** Writes a new version of `existing`: resourceVersion +1 and modifiedAt now, in the caller's transaction. */
  async writeVersion(tx: Tx, existing: StoredRow, doc: ResourceDoc, strategy?: KindStrategy, ctx?: WriteContext): Promise<StoredRow> {
    const { name: _name, ...rest } = doc.metadata;
    const metadata = existing.name === null ? { ...doc.metadata } : rest;
    // system annotations survive user writes; users cannot set or remove them
    const systemAnnotations = Object.fromEntries(
      Object.entries((existing.metadata.annotations as Record<string, string>) ?? {}).filter(([k]) => k.startsWith(SYSTEM_ANNOTATION_PREFIX)),
    );
    // strategies may set system annotations on the doc; users cannot (userDocFromBody drops them)
    if (Object.keys(systemAnnotations).length) {
      metadata.annotations = { ...systemAnnotations, ...((metadata.annotations as Record<string, string>) ?? {}) };
    }
    const status = doc.status === undefined ? existing.status : doc.status;
    if (sameJson(metadata, existing.metadata) && sameJson(doc.spec, existing.spec) && sameJson(status, existing.status)) {
      return existing; // a write that changes nothing is not a new version (as in Kubernetes)
    }
    const next: StoredRow = {
      ...existing,
      resourceVersion: existing.resourceVersion + 1,
      modifiedAt: new Date(),
      metadata,
      spec: doc.spec,
      status,
    };
    await tx.resource.update({
      where: { id: existing.id },
      data: {
        resourceVersion: next.resourceVersion,
        modifiedAt: next.modifiedAt,
        metadata: next.metadata as Prisma.InputJsonObject,
        spec: next.spec as Prisma.InputJsonObject,
        status: (next.status ?? Prisma.DbNull) as Prisma.InputJsonObject,
      },
    });
    if (strategy && ctx) await strategy.afterWrite?.(next, ctx);
    return next;
  }

  /**
   * The system's status write: status is a subresource, so it does not change resourceVersion (a
   * client's If-Match never fails because the controller moved). Only the status column is written,
   * so it cannot overwrite a concurrent user write of metadata or spec.
   */
  async writeStatus(tx: Tx, id: string, status: Record<string, unknown>, annotations?: Record<string, string | null>): Promise<void> {
    if (annotations && Object.keys(annotations).length) {
      const set = Object.fromEntries(Object.entries(annotations).filter(([, v]) => v !== null));
      const remove = Object.entries(annotations).filter(([, v]) => v === null).map(([k]) => k);
      await tx.$executeRaw`UPDATE resources SET status = ${JSON.stringify(status)}::jsonb,
        metadata = jsonb_set(metadata, '{annotations}', (COALESCE(metadata->'annotations', '{}'::jsonb) - ${remove}::text[]) || ${JSON.stringify(set)}::jsonb)
        WHERE id = ${id}::uuid`;
    } else {
      await tx.$executeRaw`UPDATE resources SET status = ${JSON.stringify(status)}::jsonb WHERE id = ${id}::uuid`;
    }
  }

  async create(namespace: string, strategy: KindStrategy, body: unknown, opts: WriteOptions = {}): Promise<Resource> {
    const doc = userDocFromBody(body, namespace, strategy);
    return this.db.tx(async (tx) => {
      const ctx: WriteContext = { tx, namespace, options: opts.options ?? {} };
      await this.requireNamespace(tx, namespace, true);
      return toResource(await this.createIn(ctx, strategy, doc), strategy);
    });
  }

  /** Create inside an existing transaction (used by create, PUT-create, and kinds created by the system). */
  async createIn(ctx: WriteContext, strategy: KindStrategy, doc: ResourceDoc): Promise<StoredRow> {
    // (the name rule is checked with everything else in validateOrThrow: one answer lists every problem)
    await strategy.prepareForCreate?.(doc, ctx);
    await this.validateOrThrow(doc, strategy, ctx);
    return this.insert(ctx, strategy, doc);
  }

  /** PUT: create (201) or replace (200) by name. */
  async upsert(namespace: string, strategy: KindStrategy, name: string, body: unknown, opts: WriteOptions = {}): Promise<{ created: boolean; resource: Resource }> {
    const doc = userDocFromBody(body, namespace, strategy);
    if (doc.metadata.name !== undefined && doc.metadata.name !== name) {
      throw ApiError.field('metadata.name', `must be "${name}" (the name in the URL) or omitted`);
    }
    doc.metadata.name = name;
    return this.db.tx(async (tx) => {
      const ctx: WriteContext = { tx, namespace, options: opts.options ?? {} };
      await this.requireNamespace(tx, namespace, true);
      let existing = await this.findRow(tx, namespace, strategy, name, true);
      if (!existing) {
        // no row to lock yet: concurrent PUTs of a new name queue on a lock of the name instead, and
        // the ones after the first find (and replace) its row rather than failing with 409
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${namespace}/${strategy.kind}/${name}`}, 0))`;
        existing = await this.findRow(tx, namespace, strategy, name, true);
      }
      checkPrecondition(parseIfMatch(opts.ifMatch), existing?.resourceVersion);
      if (!existing) return { created: true, resource: toResource(await this.createIn(ctx, strategy, doc), strategy) };
      await strategy.prepareForUpdate?.(doc, existing, ctx);
      await this.validateOrThrow(doc, strategy, ctx);
      return { created: false, resource: toResource(await this.writeVersion(tx, existing, doc, strategy, ctx), strategy) };
    });
  }

  /** PATCH: RFC 7386 merge of the user-owned part (metadata and spec); status and system fields ignored. */
  async patch(namespace: string, strategy: KindStrategy, key: string, patch: unknown, opts: WriteOptions = {}): Promise<Resource> {
    if (!isPlainObject(patch)) throw ApiError.badRequest('A merge patch must be a JSON or YAML object.', {}, 'MalformedBody');
    const metaPatch = patch.metadata;
    if (metaPatch !== undefined && metaPatch !== null && !isPlainObject(metaPatch)) throw ApiError.field('metadata', 'must be an object');
    if (patch.spec !== undefined && patch.spec !== null && !isPlainObject(patch.spec)) throw ApiError.field('spec', 'must be an object');
    if (patch.kind !== undefined && patch.kind !== null && patch.kind !== strategy.kind) throw ApiError.field('kind', `must be ${strategy.kind}`);
    if (patch.apiVersion !== undefined && patch.apiVersion !== null && patch.apiVersion !== 'v1') throw ApiError.field('apiVersion', 'must be v1');
    return this.db.tx(async (tx) => {
      const ctx: WriteContext = { tx, namespace, options: opts.options ?? {} };
      await this.requireNamespace(tx, namespace, true);
      const existing = await this.findRow(tx, namespace, strategy, key, true);
      if (!existing) throw ApiError.notFound(strategy.kind, key, namespace);
      checkPrecondition(parseIfMatch(opts.ifMatch), existing.resourceVersion);
      const current = toResource(existing, { kind: strategy.kind, validate: () => [] });
      const userPatch: Record<string, unknown> = {};
      if (isPlainObject(metaPatch)) {
        const m = metaPatch as Record<string, unknown>;
        if (m.name !== undefined && m.name !== null && m.name !== existing.name) {
          throw ApiError.field('metadata.name', 'is immutable');
        }
        if (m.namespace !== undefined && m.namespace !== null && m.namespace !== namespace) {
          throw ApiError.field('metadata.namespace', 'is immutable');
        }
        userPatch.metadata = m;
      }
      if (patch.spec !== undefined) userPatch.spec = patch.spec;
      const merged = applyMergePatch({ metadata: current.metadata, spec: current.spec }, userPatch) as Record<string, unknown>;
      const doc = userDocFromBody({ metadata: merged.metadata, spec: merged.spec ?? {} }, namespace, strategy);
      if (existing.name !== null) doc.metadata.name = existing.name;
      await strategy.prepareForUpdate?.(doc, existing, ctx);
      await this.validateOrThrow(doc, strategy, ctx);
      return toResource(await this.writeVersion(tx, existing, doc, strategy, ctx), strategy);
    });
  }

  async remove(namespace: string, strategy: KindStrategy, key: string, opts: WriteOptions = {}): Promise<Resource> {
    return this.db.tx(async (tx) => {
      const ctx: WriteContext = { tx, namespace, options: opts.options ?? {} };
      await this.requireNamespace(tx, namespace, true);
      const existing = await this.findRow(tx, namespace, strategy, key, true);
      if (!existing) throw ApiError.notFound(strategy.kind, key, namespace);
      checkPrecondition(parseIfMatch(opts.ifMatch), existing.resourceVersion);
      await strategy.beforeDelete?.(existing, ctx);
      await tx.resource.delete({ where: { id: existing.id } });
      return toResource(existing, strategy);
    });
  }
}

/** True when two documents are the same JSON (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
