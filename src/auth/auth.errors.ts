import { DomainError } from '../common/domain-error';

export class Unauthenticated extends DomainError {
  readonly slug = 'unauthenticated';
  readonly status = 401;
  readonly title = 'A valid API key is required';
}

export class Forbidden extends DomainError {
  readonly slug = 'forbidden';
  readonly status = 403;
  readonly title = 'This API key may not use this route';
}
