import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';

// One decorator per operation, so that every route documents itself the same way in the generated
// OpenAPI documents. Schemas are referenced by their contract definition names (the documents
// embed the 2.7.1 definitions; see apps/server/src/swagger.ts).

export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export interface OperationSpec {
  id: string;
  summary: string;
  /** request body definition name */
  body?: string;
  /** response definition name (omit for an untyped object) */
  response?: string;
  /** success status: 200 (default) or 201 */
  status?: 200 | 201;
  /** PUT upserts answer 201 on create and 200 on replace */
  upsert?: boolean;
  query?: { name: string; type: 'string' | 'boolean'; required?: boolean; description?: string; default?: unknown }[];
  /** the error definition family: AppManager ApiException or Platform Status */
  errors?: 'appmanager' | 'platform';
}

export function Operation(spec: OperationSpec): MethodDecorator {
  const ok = spec.response ? schemaRef(spec.response) : { type: 'object' };
  const errorSchema = spec.errors === 'platform' ? schemaRef('PlatformError') : schemaRef('ApiException');
  const decorators = [
    ApiOperation({ operationId: spec.id, summary: spec.summary }),
    ApiResponse({ status: spec.status ?? 200, description: spec.status === 201 ? 'Created' : 'OK', schema: ok }),
    ApiResponse({ status: 400, description: 'Bad Request', schema: spec.errors === 'platform' ? errorSchema : schemaRef('ApiValidationException') }),
    ApiResponse({ status: 404, description: 'Not Found', schema: errorSchema }),
  ];
  if (spec.upsert) decorators.push(ApiResponse({ status: 201, description: 'Created', schema: ok }));
  if (spec.body) decorators.push(ApiBody({ required: true, schema: schemaRef(spec.body) }));
  for (const q of spec.query ?? []) {
    decorators.push(
      ApiQuery({ name: q.name, required: q.required ?? false, description: q.description, schema: { type: q.type, ...(q.default !== undefined ? { default: q.default } : {}) } }),
    );
  }
  return applyDecorators(...decorators);
}
