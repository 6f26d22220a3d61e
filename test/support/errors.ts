import type { Response } from 'supertest';

/**
 * Shared assertions for the documented error shapes (see shared/spec/conventions.md and the README):
 *
 * - AppManager `ApiException`: exactly `{ kind, apiVersion: 'v1', message, reason, statusCode, context }`
 * - AppManager `ApiValidationException`: exactly `{ kind, apiVersion: 'v1', message, statusCode: 400, errors }`,
 *   `errors` a non-empty list of exactly `{ attribute, message }` (both strings)
 * - Platform errors: `{ code, description, cause: null, ok: false }` (plus, for validation failures, `details`)
 *
 * Every error is `application/json` and never carries a stack trace.
 */

export type ApiValidationError = { attribute: string; message: string };
type Json = Record<string, any>;

/** The body must not leak a stack trace, a `stack` property or source/module paths. */
export function expectNoStack(res: Response): void {
  const text = res.text ?? '';
  expect(text).not.toMatch(/\n\s+at [^\n]+:\d+:\d+/);
  expect(text).not.toMatch(/"stack"\s*:/);
  expect(text).not.toMatch(/node_modules|\.ts:\d+/);
}

function expectJsonError(res: Response, status: number): void {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expectNoStack(res);
}

/** A strict AppManager `ApiException` with this status (and, if given, this reason); returns the body. */
export function expectApiException(res: Response, status: number, reason?: string): Json {
  expectJsonError(res, status);
  expect(res.body).toEqual({
    kind: 'ApiException',
    apiVersion: 'v1',
    message: expect.any(String),
    reason: reason ?? expect.any(String),
    statusCode: status,
    context: expect.any(Object),
  });
  // expect.any(Object) lets null and arrays through; the documented context is an object.
  expect(res.body.context).not.toBeNull();
  expect(Array.isArray(res.body.context)).toBe(false);
  return res.body;
}

function expectValidationShape(res: Response): ApiValidationError[] {
  expectJsonError(res, 400);
  expect(res.body).toEqual({
    kind: 'ApiValidationException',
    apiVersion: 'v1',
    message: expect.any(String),
    statusCode: 400,
    errors: expect.any(Array),
  });
  const errors = res.body.errors as ApiValidationError[];
  expect(errors.length).toBeGreaterThan(0);
  for (const e of errors) expect(e).toEqual({ attribute: expect.any(String), message: expect.any(String) });
  return errors;
}

/**
 * A strict `ApiValidationException`; if `attribute` is given, some error names it (a string is compared
 * exactly, a RegExp must match). Returns the errors.
 */
export function expectValidation(res: Response, attribute?: string | RegExp): ApiValidationError[] {
  const errors = expectValidationShape(res);
  if (attribute !== undefined) {
    const attrs = errors.map((e) => e.attribute);
    if (typeof attribute === 'string') expect(attrs).toContain(attribute);
    else expect(attrs.some((a) => attribute.test(a))).toBe(true);
  }
  return errors;
}

/**
 * A strict `ApiValidationException` whose errors name exactly these attributes: one error per listed
 * attribute, in any order (list an attribute twice if it is reported twice). Returns the errors.
 */
export function expectValidationExactly(res: Response, attributes: string[]): ApiValidationError[] {
  const errors = expectValidationShape(res);
  expect(errors.map((e) => e.attribute).sort()).toEqual([...attributes].sort());
  return errors;
}

/** A strict `ApiValidationException` with an error naming `attribute`; returns that error (the first one). */
export function expectValidationError(res: Response, attribute: string): ApiValidationError {
  return expectValidation(res, attribute).find((e) => e.attribute === attribute)!;
}

/** A strict Platform error with this status (and, if given, this code); returns the body. */
export function expectPlatformError(res: Response, status: number, code?: string): Json {
  expectJsonError(res, status);
  // Validation failures also carry `details: [{attribute, message}, …]` (not in the documented shape;
  // see renderError in libs/resource-kit/src/error.filter.ts); nothing else may be added.
  const { details, ...rest } = res.body as Json;
  expect(rest).toEqual({ code: code ?? expect.any(String), description: expect.any(String), cause: null, ok: false });
  expect(res.body.description.length).toBeGreaterThan(0);
  if (details !== undefined) {
    expect(Array.isArray(details)).toBe(true);
    expect(details.length).toBeGreaterThan(0);
    for (const d of details) expect(d).toEqual({ attribute: expect.any(String), message: expect.any(String) });
  }
  return res.body;
}
