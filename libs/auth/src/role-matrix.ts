import type { AccessResourceName } from './access.decorator';

// The role matrix of vvp-api.md 4.11, as data. A row is one AccessResource; each role lists the verbs
// it may use. The guard (auth.guard.ts) and the generated test (test/e2e/auth.e2e.ts) both read this
// table; nothing else decides who may do what.
//
// Verbs: List, Get, Create, Update, Delete; Platform custom methods (`…/{name}:action`) use the
// action's name (e.g. Artifacts `GetMetadata`), see verbOf() in routes.ts.
//
// Rules the data encodes (README "Access control"):
// - A namespace token (viewer/editor/owner) acts in its own namespace only: the namespace comes from
//   the URL (`:namespace` in AppManager, `:ns` in Platform). Any other namespace → 403.
// - `anyToken`: verbs any valid token may use whatever its namespace and role (global, read-only
//   routes: system info, the global deployment defaults, the namespace list — which is filtered to
//   the namespaces the caller may Get).
// - admin (AUTH_ADMIN_TOKEN) is system-level. The product's matrix gives admin only Namespaces;
//   here admin is also the superuser for operations: every verb of every row in every namespace
//   (the one credential that exists before any token does, so it must be able to do everything).

export type Role = 'viewer' | 'editor' | 'owner';
export const ROLES: readonly Role[] = ['viewer', 'editor', 'owner'];

export type Verb = 'List' | 'Get' | 'Create' | 'Update' | 'Delete' | 'GetMetadata';
export const ALL: readonly Verb[] = ['List', 'Get', 'Create', 'Update', 'Delete', 'GetMetadata'];

export interface MatrixRow {
  viewer: readonly Verb[];
  editor: readonly Verb[];
  owner: readonly Verb[];
  admin: readonly Verb[];
  /** verbs every valid token may use, in any (or no) namespace */
  anyToken?: readonly Verb[];
  /** a singleton: GET on its path is Get, not List (deployment defaults, status) */
  singleton?: boolean;
}

const NONE: readonly Verb[] = [];
const READ: readonly Verb[] = ['List', 'Get'];

export const ROLE_MATRIX: Record<AccessResourceName, MatrixRow> = {
  Artifacts: { viewer: ['List', 'GetMetadata'], editor: ALL, owner: ALL, admin: ALL },
  ApiToken: { viewer: NONE, editor: NONE, owner: ALL, admin: ALL },
  DeploymentDefaults: { viewer: ['Get'], editor: ['Get'], owner: ALL, admin: ALL, singleton: true },
  DeploymentTarget: { viewer: READ, editor: READ, owner: ALL, admin: ALL },
  // List of namespaces: any token, answered with the namespaces it may Get (admin: all; owner: its own;
  // viewer/editor: none). Create (a new namespace) and Delete: admin only.
  Namespace: { viewer: NONE, editor: NONE, owner: ['Get', 'Update'], admin: ALL, anyToken: ['List'] },
  SecretValue: { viewer: NONE, editor: ALL, owner: ALL, admin: ALL },
  // "everything else" of the product's matrix
  Deployment: { viewer: READ, editor: ALL, owner: ALL, admin: ALL },
  Savepoint: { viewer: READ, editor: ALL, owner: ALL, admin: ALL },
  SessionCluster: { viewer: READ, editor: ALL, owner: ALL, admin: ALL },
  // read-only kinds (created by the system): List and Get are all there is
  Event: { viewer: READ, editor: READ, owner: READ, admin: ALL },
  Job: { viewer: READ, editor: READ, owner: READ, admin: ALL },
  // GET /api/v1/status is open (a health probe, outside the matrix); system-info needs a valid token
  Status: { viewer: NONE, editor: NONE, owner: NONE, admin: ALL, anyToken: ['Get'], singleton: true },
  // GET /api/v1/global-deployment-defaults: read-only, not in a namespace
  GlobalDeploymentDefaults: { viewer: NONE, editor: NONE, owner: NONE, admin: ALL, anyToken: ['Get'], singleton: true },
};

/** Who is calling: the admin credential, or an API token of one namespace with one role. */
export type Principal = { kind: 'admin' } | { kind: 'token'; namespace: string; role: Role; name: string };

/**
 * May `principal` use `verb` on `resource`, in namespace `namespace` (from the URL; undefined for
 * routes outside namespaces)?
 */
export function allowed(principal: Principal, resource: AccessResourceName, verb: Verb, namespace: string | undefined): boolean {
  const row = ROLE_MATRIX[resource];
  if (principal.kind === 'admin') return row.admin.includes(verb);
  if (row.anyToken?.includes(verb)) return true;
  if (namespace === undefined || namespace !== principal.namespace) return false;
  return row[principal.role].includes(verb);
}
