import { DomainError } from '../common/domain-error';

/** A code that cannot be one of ours as written: wrong length, symbols or check symbols. */
export class CodeMisread extends DomainError {
  readonly slug = 'check-symbol-mismatch';
  readonly status = 422;
  readonly title = 'The code was misread: its check symbols do not match';
}
