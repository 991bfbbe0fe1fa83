/** HTTP errors with a code for programs and a message a person can act on; rendered as `{error, message}`. */
import { STATUS_CODES } from 'node:http';
import { StoreError } from './store/errors';

/** An error the client can fix (or must be told about); the error handler sends it as JSON. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    /** Short machine-readable code, e.g. `invalid_telemetry`. */
    readonly code: string,
    message: string,
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: string;
  message: string;
  /** The input field at fault, when the server knows it (a form can point at it). */
  field?: string;
}

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
  validation?: unknown;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  411: 'length_required',
  409: 'conflict',
  413: 'body_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
};

/** Turns anything thrown in a request into a status and an `{error, message}` body; 500 for the unexpected. */
export function describeError(err: unknown, bodyLimitBytes: number): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof HttpError) {
    return { status: err.statusCode, body: { error: err.code, message: err.message }, headers: err.headers };
  }
  if (err instanceof StoreError) {
    const status = err.code === 'invalid' ? 400 : err.code === 'not_found' ? 404 : 409;
    const body: ErrorBody = { error: err.code === 'invalid' ? 'invalid_request' : err.code, message: err.message };
    if (err.field !== undefined) body.field = err.field;
    return { status, body, headers: {} };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as FastifyLikeError;
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  if (status >= 500) {
    return {
      status: 500,
      body: {
        error: 'internal_error',
        message: 'fleetwire failed to handle this request; the error is in the server log. Try again, and report it if it keeps happening.',
      },
      headers: {},
    };
  }
  switch (e.code) {
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        body: {
          error: 'bad_url',
          message: `The URL is not validly percent-encoded (${e.message ?? 'bad escape'}): encode each part with encodeURIComponent.`,
        },
        headers: {},
      };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return {
        status: 414,
        body: { error: 'uri_too_long', message: 'A part of the URL is too long: ids and names in a path have at most 64 to 100 characters.' },
        headers: {},
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: {
          error: 'body_too_large',
          message: `The request body is over this route's limit of ${bodyLimitBytes} bytes (${Math.round((bodyLimitBytes / 1_048_576) * 10) / 10} MB): split it into smaller requests.`,
        },
        headers: {},
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: {
          error: 'unsupported_media_type',
          message: 'Send the body as JSON with the header Content-Type: application/json.',
        },
        headers: {},
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        body: { error: 'invalid_json', message: 'The body is empty but Content-Type says JSON: send a JSON body or no Content-Type.' },
        headers: {},
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: { error: 'invalid_json', message: `The body is not valid JSON: ${e.message ?? ''}`.trim() }, headers: {} };
  }
  if (e.validation !== undefined) {
    return { status: 400, body: { error: 'invalid_request', message: e.message ?? 'The request is invalid.' }, headers: {} };
  }
  if (status === 400 && /prototype|JSON|Unexpected|position/i.test(e.message ?? '')) {
    return { status: 400, body: { error: 'invalid_json', message: `The body is not acceptable JSON: ${e.message ?? ''}` }, headers: {} };
  }
  return { status, body: { error: CODE_BY_STATUS[status] ?? 'bad_request', message: e.message ?? 'The request was refused.' }, headers: {} };
}

/** Node's HTTP parser refuses some requests before Fastify sees them; the raw reply, still as `{error, message}`. */
export function clientErrorResponse(err: { code?: string }): string {
  let status: number;
  let body: ErrorBody;
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    body = { error: 'headers_too_large', message: 'The request headers are over the server\'s limit: send fewer or smaller headers (cookies included).' };
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    body = { error: 'request_timeout', message: 'The request took too long to arrive: send it again.' };
  } else {
    status = 400;
    body = { error: 'bad_request', message: `This is not a valid HTTP/1.1 request (${err.code ?? 'unreadable'}): fleetwire could not read it.` };
  }
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(json)}`,
    'connection: close',
    '',
    json,
  ].join('\r\n');
}
