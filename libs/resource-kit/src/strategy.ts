import type { Tx } from '../../persistence/src/prisma.service';
import type { FieldError } from './errors';
import type { NameRule } from './names';

// A kind plugs into the generic store (store.ts) with this strategy, as in the Kubernetes apiserver's
// registry: CRUD is written once; a kind only says what is special about it.

/** What a user may write: the user-owned part of metadata, and spec. */
export interface ResourceDoc {
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
  /** set only by prepare hooks (the system owns status) */
  status?: Record<string, unknown> | null;
  /** envelope problems found while reading the body, reported with the kind's validation */
  inputErrors?: FieldError[];
}

export interface StoredRow {
  id: string;
  namespace: string;
  kind: string;
  name: string | null;
  resourceVersion: number;
  createdAt: Date;
  modifiedAt: Date;
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
  status: Record<string, unknown> | null;
}

export interface Resource {
  kind: string;
  apiVersion: 'v1';
  metadata: Record<string, unknown> & { id: string; namespace: string; resourceVersion: number };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface WriteContext {
  tx: Tx;
  namespace: string;
  /** request options, e.g. `applyDefaults` on a deployment PUT */
  options: Record<string, unknown>;
}

export interface KindStrategy {
  readonly kind: string;
  /** name rule for name-addressable kinds; undefined for id-only kinds */
  readonly nameRule?: NameRule;
  /** a uuid in the name slot is tried as an id first (Deployment) */
  readonly idFallback?: boolean;
  /** metadata keys users may set besides name, labels and annotations (e.g. displayName) */
  readonly userMetadata?: readonly string[];
  /** whether the kind has a status block in responses even when empty */
  prepareForCreate?(doc: ResourceDoc, ctx: WriteContext): Promise<void> | void;
  /** runs for PUT-replace and PATCH: keep status, refuse changes to immutable fields */
  prepareForUpdate?(doc: ResourceDoc, existing: StoredRow, ctx: WriteContext): Promise<void> | void;
  /** pure-ish validation of the whole candidate; one entry per problem */
  validate(doc: ResourceDoc, ctx: WriteContext): Promise<FieldError[]> | FieldError[];
  /** runs in the writing transaction after every create and update (e.g. to wake the reconciler) */
  afterWrite?(row: StoredRow, ctx: WriteContext): Promise<void> | void;
  /** state-machine guard: throw an ApiError (409) to refuse */
  beforeDelete?(row: StoredRow, ctx: WriteContext): Promise<void> | void;
  /** shape a stored resource for output (e.g. hide a secret value) */
  present?(resource: Resource): Resource;
}
