import { SetMetadata } from '@nestjs/common';

// Which row of the role matrix (vvp-api.md 4.11) a controller's routes belong to. The verb of each
// route (List, Get, Create, Update, Delete) follows from its HTTP method and path; the matrix itself
// is data (role-matrix.ts), not `if` statements in handlers.

export const ACCESS_RESOURCE = 'access:resource';

export type AccessResourceName =
  | 'Artifacts'
  | 'ApiToken'
  | 'DeploymentDefaults'
  | 'DeploymentTarget'
  | 'Namespace'
  | 'SecretValue'
  | 'Deployment'
  | 'Event'
  | 'Job'
  | 'Savepoint'
  | 'SessionCluster'
  | 'Status'
  | 'GlobalDeploymentDefaults';

/** Class decorator: the matrix row of every route in this controller. */
export const AccessResource = (name: AccessResourceName) => SetMetadata(ACCESS_RESOURCE, name);
