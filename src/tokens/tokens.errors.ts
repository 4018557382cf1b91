import { DomainError } from '../common/domain-error';

export class ReserveNotLive extends DomainError {
  readonly slug = 'reserve-not-live';
  readonly status = 404;
  readonly title = 'No live reserve has this code';
}

export class ReserveOverdrawn extends DomainError {
  readonly slug = 'reserve-overdrawn';
  readonly status = 409;
  readonly title = 'The tokens asked for are worth more than the reserve holds';
}

export class TokenRequestInvalid extends DomainError {
  readonly slug = 'token-request-invalid';
  readonly status = 422;
  readonly title = 'A token request is not a blinded request for a key that signs today';
}

export class TokenInvalid extends DomainError {
  readonly slug = 'token-invalid';
  readonly status = 422;
  readonly title = 'A token is not one this issuer signed';
}

export class TokenKeyExpired extends DomainError {
  readonly slug = 'token-key-expired';
  readonly status = 422;
  readonly title = "A token's key epoch has ended: it can no longer be redeemed";
}

export class TokenSpent extends DomainError {
  readonly slug = 'token-spent';
  readonly status = 409;
  readonly title = 'A token was redeemed before';
}

export class TokenCreditOverCap extends DomainError {
  readonly slug = 'balance-cap';
  readonly status = 409;
  readonly title = "The tokens would take the mailbox's balance above its cap";
}
