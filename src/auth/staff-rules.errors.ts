import { DomainError } from '../common/domain-error';

/* What a principal may do beyond its role: rules the staff console enforces on API routes. */

export class FourEyesRequired extends DomainError {
  readonly slug = 'four-eyes-required';
  readonly status = 409;
  readonly title = 'Cash batches are entered by one person and confirmed by another';
}

export class NoteRequired extends DomainError {
  readonly slug = 'note-required';
  readonly status = 422;
  readonly title = 'A resolution from the console needs a note';
}
