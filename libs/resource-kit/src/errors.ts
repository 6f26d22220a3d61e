// The one error type of the server. Thrown anywhere (strategies, store, middleware), rendered by
// ApiErrorFilter in the shape of the API family the request belongs to.

export interface FieldError {
  /** dotted field path, e.g. `spec.template.spec.parallelism` */
  attribute: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    readonly context: Record<string, unknown> = {},
    /** present only for validation failures (rendered as ApiValidationException) */
    readonly errors?: FieldError[],
  ) {
    super(message);
  }

  static validation(errors: FieldError[]): ApiError {
    const message =
      errors.length === 1
        ? `Validation failed: ${errors[0].attribute ? errors[0].attribute + ': ' : ''}${errors[0].message}`
        : `Validation failed with ${errors.length} errors`;
    return new ApiError(400, 'ValidationFailed', message, {}, errors);
  }

  static field(attribute: string, message: string): ApiError {
    return ApiError.validation([{ attribute, message }]);
  }

  static badRequest(message: string, context: Record<string, unknown> = {}, reason = 'BadRequest'): ApiError {
    return new ApiError(400, reason, message, context);
  }

  static notFound(kind: string, key: string, namespace?: string): ApiError {
    const where = namespace !== undefined && kind !== 'Namespace' ? ` in namespace "${namespace}"` : '';
    return new ApiError(404, 'NotFound', `${kind} "${key}" not found${where}.`, {
      kind,
      name: key,
      ...(namespace !== undefined ? { namespace } : {}),
    });
  }

  static conflict(message: string, context: Record<string, unknown> = {}, reason = 'Conflict'): ApiError {
    return new ApiError(409, reason, message, context);
  }

  static alreadyExists(kind: string, name: string, namespace?: string): ApiError {
    const where = namespace !== undefined ? ` in namespace "${namespace}"` : '';
    return new ApiError(409, 'AlreadyExists', `${kind} "${name}" already exists${where}.`, {
      kind,
      name,
      ...(namespace !== undefined ? { namespace } : {}),
    });
  }

  static preconditionFailed(expected: string, actual: number): ApiError {
    return new ApiError(412, 'PreconditionFailed', `If-Match ${expected} does not match the current resourceVersion ${actual}.`, {
      ifMatch: expected,
      resourceVersion: actual,
    });
  }

  static unavailable(message = 'The database is not reachable.'): ApiError {
    return new ApiError(503, 'ServiceUnavailable', message);
  }
}
