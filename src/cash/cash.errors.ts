import { DomainError } from '../common/domain-error';

export class TotalsDoNotAddUp extends DomainError {
  readonly slug = 'totals-do-not-add-up';
  readonly status = 422;
  readonly title = 'The entries do not add up to the counted total';
}
