import { DomainError } from '../common/domain-error';

export class CheckSymbolMismatch extends DomainError {
  readonly slug = 'check-symbol-mismatch';
  readonly status = 422;
  readonly title = 'The code was misread: its check symbols do not match';
}

export class TotalsDoNotAddUp extends DomainError {
  readonly slug = 'totals-do-not-add-up';
  readonly status = 422;
  readonly title = 'The entries do not add up to the counted total';
}
