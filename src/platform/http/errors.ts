/** Errors that routes throw; the error handler turns them into Dutch pages or JSON errors. */
export class HttpError extends Error {
  constructor(
    public readonly statusCode: number,
    public readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = 'U heeft geen toegang tot deze pagina.') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'Deze pagina bestaat niet (meer).') {
    super(404, 'not_found', message);
  }
}

export class UnauthenticatedError extends HttpError {
  constructor() {
    super(401, 'unauthenticated', 'Log in om deze pagina te bekijken.');
  }
}

/** A validation failure with one message per field; nothing was changed. */
export class ValidationError extends HttpError {
  constructor(public readonly fields: Record<string, string>) {
    super(422, 'validation_failed', 'De invoer is niet geldig.');
  }
}

const DB_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

/** True when the error means "the database cannot be reached right now". */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e: any = err;
  for (let depth = 0; e && depth < 4; depth++) {
    if (DB_DOWN_CODES.has(e.code)) return true;
    const msg = String(e.message ?? '');
    if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (shutting down|starting up)/i.test(msg)) return true;
    e = e.cause;
  }
  return false;
}
