import type { CardAuthentication } from './paypal.gateway';

export type CardDecision =
  | { capture: true }
  | { capture: false; why: 'no-liability-shift' | 'not-authenticated' | 'no-result' };

/**
 * Whether a card order may be captured, from its 3-D Secure outcome
 * (docs/decisions/0010-card-3d-secure.md). Only when the liability for fraud
 * has shifted to the issuer: a chargeback here is a write-off the service can
 * never recover from a mailbox, so a card the issuer did not vouch for is
 * not taken, even where PayPal's table would allow it.
 */
export function decideCardCapture(auth: CardAuthentication | undefined): CardDecision {
  if (!auth || (auth.liabilityShift === undefined && auth.enrollmentStatus === undefined))
    return { capture: false, why: 'no-result' };
  // "YES" was PayPal's value before POSSIBLE; both mean the issuer vouched.
  if (auth.liabilityShift === 'POSSIBLE' || auth.liabilityShift === 'YES') {
    // A shift with a failed or rejected authentication is contradictory: not taken.
    if (auth.authenticationStatus === 'N' || auth.authenticationStatus === 'R')
      return { capture: false, why: 'not-authenticated' };
    return { capture: true };
  }
  if (auth.liabilityShift === 'UNKNOWN') return { capture: false, why: 'not-authenticated' };
  return { capture: false, why: 'no-liability-shift' };
}
