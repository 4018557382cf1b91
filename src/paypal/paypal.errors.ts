import { DomainError } from '../common/domain-error';

export class PayPalNotConfigured extends DomainError {
  readonly slug = 'paypal-not-configured';
  readonly status = 503;
  readonly title = 'PayPal is not configured on this service';
}

export class PayPalUnavailable extends DomainError {
  readonly slug = 'paypal-unavailable';
  readonly status = 502;
  readonly title = 'PayPal did not answer as expected';
}

export class PayPalAmountOutOfRange extends DomainError {
  readonly slug = 'paypal-amount-out-of-range';
  readonly status = 422;
  readonly title = 'The amount is outside the limits for one PayPal payment';
}

export class PayPalCurrencyNotAccepted extends DomainError {
  readonly slug = 'paypal-currency-not-accepted';
  readonly status = 422;
  readonly title = 'PayPal payments are taken only in the currency of balances';
}

export class PayPalOrderNotFound extends DomainError {
  readonly slug = 'paypal-order-not-found';
  readonly status = 404;
  readonly title = 'No PayPal order of this service with this id is open or credited';
}

export class PayPalOrderNotApproved extends DomainError {
  readonly slug = 'paypal-order-not-approved';
  readonly status = 409;
  readonly title = 'The buyer has not approved this PayPal order';
}

export class PayPalCaptureDeclined extends DomainError {
  readonly slug = 'paypal-capture-declined';
  readonly status = 402;
  readonly title = 'PayPal declined the payment';
}

export class PayPalWebhookRejected extends DomainError {
  readonly slug = 'paypal-webhook-rejected';
  readonly status = 400;
  readonly title = 'The webhook is not a verified PayPal event';
}

export class PayPalCaptureRefused extends DomainError {
  readonly slug = 'paypal-capture-refused';
  readonly status = 402;
  readonly title = 'PayPal refused the payment for good: this order cannot be paid';
}

export class PayPalCaptureInProgress extends DomainError {
  readonly slug = 'paypal-capture-in-progress';
  readonly status = 409;
  readonly title = 'PayPal is still completing this order: ask again in a few seconds';
}

export class CardAuthenticationRefused extends DomainError {
  readonly slug = 'card-authentication-refused';
  readonly status = 402;
  readonly title = 'The card did not pass 3-D Secure as the policy requires; nothing was captured';
}
