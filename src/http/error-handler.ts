import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, translatePgError, type ErrorKind, type FieldError } from '../shared/errors.js';

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance: string;
  request_id: string;
  errors?: FieldError[];
  details?: Record<string, unknown>;
}

/** Sends an RFC 9457 problem+json response. */
export function sendProblem(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  extra: { errors?: FieldError[] | undefined; details?: Record<string, unknown> | undefined } = {},
): FastifyReply {
  const body: ProblemBody = {
    type: `https://tandem.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    instance: req.url.split('?')[0] ?? req.url,
    request_id: String(req.id),
  };
  if (extra.errors) body.errors = extra.errors;
  if (extra.details) body.details = extra.details;
  return reply.code(status).type('application/problem+json').send(body);
}

function validationErrors(err: FastifyError): FieldError[] {
  return (err.validation ?? []).map((v) => {
    const params = v.params as Record<string, unknown>;
    let path = `${err.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`;
    if (typeof params.missingProperty === 'string') path += `.${params.missingProperty}`;
    if (typeof params.additionalProperty === 'string') {
      return { path: `${path}.${params.additionalProperty}`, message: 'is not a known field' };
    }
    return { path, message: v.message ?? 'is invalid' };
  });
}

/** The one place where errors become HTTP responses. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((rawErr: FastifyError, req, reply) => {
    const err = translatePgError(rawErr) as FastifyError | AppError;
    if (err instanceof AppError) {
      return sendProblem(req, reply, STATUS[err.kind], err.code, err.message, { errors: err.errors, details: err.details });
    }
    if (err.validation) {
      return sendProblem(req, reply, 400, 'validation_failed', 'The request is not valid', { errors: validationErrors(err) });
    }
    switch (err.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(req, reply, 400, 'malformed_json', 'The request body is not valid JSON');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(req, reply, 413, 'payload_too_large', 'The request body is too large');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(req, reply, 415, 'unsupported_media_type', 'Send the body as application/json');
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendProblem(req, reply, 400, 'invalid_content_length', 'Content-Length does not match the body');
      default:
        break;
    }
    if (err instanceof SyntaxError && (err as { statusCode?: number }).statusCode === 400) {
      return sendProblem(req, reply, 400, 'malformed_json', 'The request body is not valid JSON');
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      req.log.error({ err: rawErr }, 'unhandled error');
      return sendProblem(req, reply, 500, 'internal_error', 'Something went wrong on our side; the request id helps us find it');
    }
    return sendProblem(req, reply, status, 'bad_request', err.message);
  });

  app.setNotFoundHandler((req, reply) => sendProblem(req, reply, 404, 'route_not_found', `No route ${req.method} ${req.url.split('?')[0]}`));
}
