import { DomainError } from '../common/domain-error';

export class SignInFailed extends DomainError {
  readonly slug = 'sign-in-failed';
  readonly status = 401;
  readonly title = 'Name, password or one-time code is wrong';
}

export class SignInLocked extends DomainError {
  readonly slug = 'sign-in-locked';
  readonly status = 429;
  readonly title = 'Too many failed sign-ins for this account; wait and try again';
}

export class EnrolmentInvalid extends DomainError {
  readonly slug = 'enrolment-invalid';
  readonly status = 404;
  readonly title = 'This enrolment link is unknown, used or expired';
}

export class WeakPassword extends DomainError {
  readonly slug = 'weak-password';
  readonly status = 422;
  readonly title = 'The password is too short';
}

export class SamePerson extends DomainError {
  readonly slug = 'same-person';
  readonly status = 409;
  readonly title = 'The person who entered a batch cannot confirm it';
}
