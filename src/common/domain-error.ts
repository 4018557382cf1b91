/**
 * A broken business rule or a request that cannot be served, with a stable
 * slug. The problem filter turns it into RFC 9457 problem+json in one place:
 * `type` is `${PROBLEM_BASE}/${slug}`, a URI clients may switch on.
 */
export const PROBLEM_BASE = 'https://billing.invalid/problems';

export interface FieldError {
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly slug: string;
  abstract readonly status: number;
  abstract readonly title: string;
  readonly errors?: FieldError[];

  constructor(detail: string, errors?: FieldError[]) {
    super(detail);
    this.name = new.target.name;
    this.errors = errors;
  }
}

export class ValidationFailed extends DomainError {
  readonly slug = 'validation';
  readonly status = 400;
  readonly title = 'The request is not valid';
}

export class NotFound extends DomainError {
  readonly slug = 'not-found';
  readonly status = 404;
  readonly title = 'Not found';
}

export class UnknownCurrency extends DomainError {
  readonly slug = 'unknown-currency';
  readonly status = 422;
  readonly title = 'The currency is not an ISO 4217 code';
}

export class ServiceUnavailable extends DomainError {
  readonly slug = 'unavailable';
  readonly status = 503;
  readonly title = 'The service cannot answer right now';
}

export class UnsupportedMediaType extends DomainError {
  readonly slug = 'unsupported-media-type';
  readonly status = 415;
  readonly title = 'Unsupported media type';
}
