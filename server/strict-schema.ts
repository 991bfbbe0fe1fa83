/**
 * Route validation without coercion: a body or query is checked as sent (Fastify's default validator
 * would turn `["ana"]` into `"ana"` and `"12"` into 12), and the 400 names the field at fault.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { HttpError } from './errors';

interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: object;
}

/** One sentence naming the field of the first problem. */
export function describeSchemaError(errors: readonly SchemaError[], what: string): string {
  const e = errors[0];
  if (!e) return `The ${what} is invalid.`;
  const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'required') {
    const missing = params.requiredProperties ?? params.missingProperty;
    const name = Array.isArray(missing) ? missing.join(', ') : String(missing ?? '');
    return `${field ? `${field}.` : ''}${name} is required in the ${what}.`;
  }
  if (e.keyword === 'additionalProperties') {
    const extra = params.additionalProperties ?? params.additionalProperty;
    return `"${Array.isArray(extra) ? extra.join('", "') : String(extra)}" is not a field of the ${what}.`;
  }
  return `${field || `the ${what}`} ${e.message ?? 'is invalid'}.`;
}

/** A Fastify validator compiler over TypeBox's compiled checks: no coercion, no stripping, a 400 naming the field. */
export const strictSchema: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  const what = httpPart === 'body' ? 'body' : httpPart === 'querystring' ? 'query' : httpPart === 'params' ? 'path' : 'request';
  return (data: unknown) =>
    check.Check(data) ? { value: data } : { error: new HttpError(400, 'invalid_request', describeSchemaError(check.Errors(data), what)) };
};
