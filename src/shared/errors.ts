/** The kinds of failure the domain reports; `http/error-handler.ts` maps each to one HTTP status. */
export type ErrorKind = 'not_found' | 'invalid' | 'conflict' | 'forbidden' | 'unauthorized' | 'unavailable' | 'unprocessable';

export interface FieldError {
  path: string;
  message: string;
}

/** The one error type of Tandem: a kind, a stable machine code, a message and structured details. */
export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly errors: FieldError[] | undefined;

  constructor(kind: ErrorKind, code: string, message: string, details?: Record<string, unknown>, errors?: FieldError[]) {
    super(message);
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.details = details;
    this.errors = errors;
  }
}

export const notFound = (what: string, id: string, code = 'not_found'): AppError =>
  new AppError('not_found', code, `${what} ${id} was not found`, { [what.toLowerCase().replace(/\s+/g, '_')]: id });

export const invalid = (code: string, message: string, details?: Record<string, unknown>, errors?: FieldError[]): AppError =>
  new AppError('invalid', code, message, details, errors);

export const conflict = (code: string, message: string, details?: Record<string, unknown>): AppError =>
  new AppError('conflict', code, message, details);

export const forbidden = (code: string, message: string, details?: Record<string, unknown>): AppError =>
  new AppError('forbidden', code, message, details);

export const unprocessable = (code: string, message: string, details?: Record<string, unknown>): AppError =>
  new AppError('unprocessable', code, message, details);

/** PostgreSQL SQLSTATEs that Tandem gives meaning to. */
export const PG = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  invalidTextRepresentation: '22P02',
  numericOutOfRange: '22003',
  stringTooLong: '22001',
} as const;

export function pgCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    const code = (err as { code: string }).code;
    return /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  }
  return undefined;
}

/** Translates a PostgreSQL error into an AppError where it has a domain meaning; anything else is rethrown as is. */
export function translatePgError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = pgCode(err);
  const e = err as { constraint?: string; detail?: string; message?: string };
  switch (code) {
    case PG.uniqueViolation:
      return new AppError('conflict', 'already_exists', 'A record with the same unique key already exists', {
        constraint: e.constraint,
      });
    case PG.foreignKeyViolation:
      return new AppError('invalid', 'reference_not_found', 'A referenced record does not exist', { constraint: e.constraint });
    case PG.checkViolation:
      return new AppError('conflict', 'constraint_violated', 'The change would break a rule of the data', { constraint: e.constraint });
    case PG.numericOutOfRange:
    case PG.invalidTextRepresentation:
    case PG.stringTooLong:
      return new AppError('invalid', 'validation_failed', e.message ?? 'Invalid value');
    default:
      return err;
  }
}
