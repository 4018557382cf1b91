import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { PartialUnmatchedIndex1764000000001 } from './1764000000001-partial-unmatched-index';
import { PayPalOrders1764000000100 } from './1764000000100-paypal-orders';
import { Fees1764000000200 } from './1764000000200-fees';
import { EventOutbox1764000000201 } from './1764000000201-event-outbox';
import { ClosedLedgerTotals1764000000202 } from './1764000000202-closed-ledger-totals';
import { Settlement1764000000300 } from './1764000000300-settlement';
import { BankBooking1764000000400 } from './1764000000400-bank-booking';
import { PaymentKind1764000000500 } from './1764000000500-payment-kind';
import { StaffConsole1764000000700 } from './1764000000700-staff-console';
import { PayPalOrderSource1764000000800 } from './1764000000800-paypal-order-source';
import { Tokens1764000000900 } from './1764000000900-tokens';
import { RateLimitWindow1764000001710 } from './1764000001710-rate-limit-window';
import { BankBookingByContent1764000001800 } from './1764000001800-bank-booking-by-content';

/** Listed, not globbed: a glob breaks under vitest and hides what runs. Append only. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  PartialUnmatchedIndex1764000000001,
  PayPalOrders1764000000100,
  Fees1764000000200,
  EventOutbox1764000000201,
  ClosedLedgerTotals1764000000202,
  Settlement1764000000300,
  BankBooking1764000000400,
  PaymentKind1764000000500,
  StaffConsole1764000000700,
  PayPalOrderSource1764000000800,
  Tokens1764000000900,
  RateLimitWindow1764000001710,
  BankBookingByContent1764000001800,
];
