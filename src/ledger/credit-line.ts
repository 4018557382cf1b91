import { Day } from '../common/day';
import { Channel } from './channel';

/** One credit to a mailbox's ledger, as the intake decided it. */
export interface CreditLine {
  /** The code it was paid with: deleted with the credit (null when it is gone already). */
  codeHash: string | null;
  mailbox: string;
  channel: Channel;
  amountMinor: number;
  currency: string;
  bookedOn: Day;
}
