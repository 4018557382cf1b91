import { DomainError } from '../common/domain-error';

export class StatementRejected extends DomainError {
  readonly slug = 'statement-rejected';
  readonly status = 422;
  readonly title = 'The bank statement cannot be read';
}

export class StatementTooLarge extends DomainError {
  readonly slug = 'payload-too-large';
  readonly status = 413;
  readonly title = 'The upload is larger than allowed; nothing was imported';
}
