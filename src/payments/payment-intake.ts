import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Day } from '../common/day';
import { KeyedHash } from '../common/keyed-hash';
import { CodeSighting, findCodes, withoutCode } from '../codes/code-finder';
import { TopupCodeRepository } from '../codes/topup-code.repository';
import { AppConfig } from '../config/app-config';
import { RetryTransaction, Tx } from '../database/transactions';
import { OutboxRepository } from '../events/outbox.repository';
import { LedgerRepository } from '../mailboxes/ledger.repository';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { NewPayment, PaymentRepository } from './payment.repository';
import { Channel, IntakeOutcome, ReceivedPayment, UnmatchedReason } from './received-payment';

type Match =
  { ok: true; sighting: CodeSighting; codeHash: string } | { ok: false; reason: UnmatchedReason };

/**
 * The one path for money (DESIGN.md). Every channel hands its received payments
 * here, inside the caller's transaction: dedupe, journal, find the code, then
 * credit the mailbox and delete the code together, or record it as unmatched.
 */
@Injectable()
export class PaymentIntake {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * @param settleOn the day credits of this batch are booked on: one day for a
   *   whole import or cash batch, so each credit hides among that day's payments.
   */
  async take(tx: Tx, payment: ReceivedPayment, settleOn: Day): Promise<IntakeOutcome> {
    const known = await PaymentRepository.findByRef(tx, payment.channel, payment.externalRef);
    if (known) return { paymentId: known, status: 'duplicate' };

    const today = this.clock.today();
    const match = payment.reversal
      ? { ok: false as const, reason: 'reversal' as const }
      : await this.match(tx, payment, today);
    let refused = match.ok ? this.refusal(payment) : match.reason;
    if (
      match.ok &&
      !refused &&
      (await this.overCap(tx, match.codeHash, payment.amountMinor, today))
    )
      refused = 'amount-limit';
    const claimed =
      match.ok && !refused ? await TopupCodeRepository.take(tx, match.codeHash, today) : undefined;
    const id = randomUUID();

    if (claimed && match.ok) {
      // Credited: the payer's details and the code's spelling are not kept.
      const inserted = await PaymentRepository.insertOnce(
        tx,
        journalRow(id, payment, {
          settledOn: settleOn,
          status: 'credited',
          reason: null,
          country: claimed.country,
          payerName: null,
          payerIban: null,
          remittance: nonEmpty(withoutCode([displayText(payment)], match.sighting.canonical)[0]),
        }),
      );
      // The code was ours, so nobody else can have recorded this payment: if
      // someone did, roll everything back rather than credit beside it.
      if (!inserted) throw new RetryTransaction();
      await this.credit(tx, claimed.mailbox, payment.channel, payment.amountMinor, settleOn);
      return { paymentId: id, status: 'credited' };
    }

    const reason: UnmatchedReason = refused ?? (match.ok ? 'unknown-code' : match.reason);
    // Unmatched: staff need the payer's details to find the code or refund.
    const inserted = await PaymentRepository.insertOnce(
      tx,
      journalRow(id, payment, {
        settledOn: null,
        status: 'unmatched',
        reason,
        country: null,
        payerName: payment.payer?.name?.trim() || null,
        payerIban: payment.payer?.iban?.trim() || null,
        remittance: nonEmpty(displayText(payment)),
      }),
    );
    if (!inserted) {
      const first = await PaymentRepository.findByRef(tx, payment.channel, payment.externalRef);
      return { paymentId: first ?? id, status: 'duplicate' };
    }
    return { paymentId: id, status: 'unmatched', reason };
  }

  /**
   * Credits an unmatched payment to a code that staff found for it, through the
   * same claim and credit as the intake. Returns undefined when the code is not live.
   */
  async creditFound(
    tx: Tx,
    payment: {
      id: string;
      channel: Channel;
      amountMinor: number;
      currency: string;
      remittance: string | null;
      reason?: UnmatchedReason;
    },
    canonicalCode: string,
    settleOn: Day,
  ): Promise<'credited' | 'not-live' | UnmatchedReason> {
    // Money that went back out (a refund, a reversal, a dispute) is never credited.
    if (payment.reason === 'reversal') return 'reversal';
    const refused = this.refusal(payment);
    if (refused) return refused;
    const today = this.clock.today();
    const codeHash = this.hash.code(canonicalCode);
    if (await this.overCap(tx, codeHash, payment.amountMinor, today)) return 'amount-limit';
    const claimed = await TopupCodeRepository.take(tx, codeHash, today);
    if (!claimed) return 'not-live';
    await PaymentRepository.resolve(tx, payment.id, {
      status: 'credited',
      settledOn: settleOn,
      resolvedOn: today,
      country: claimed.country,
      remittance:
        payment.remittance === null ? null : withoutCode([payment.remittance], canonicalCode)[0],
    });
    await this.credit(tx, claimed.mailbox, payment.channel, payment.amountMinor, settleOn);
    return 'credited';
  }

  private async credit(
    tx: Tx,
    mailbox: string,
    channel: Channel,
    amountMinor: number,
    day: Day,
  ): Promise<void> {
    await LedgerRepository.append(tx, {
      mailbox,
      kind: 'credit',
      channel,
      amountMinor,
      currency: this.config.currency,
      bookedOn: day,
    });
    // Written with the credit, so a credit rolled back sends nothing. The row
    // holds the pseudonym, the type and the day; the balance is read on sending.
    if (this.config.webhook) await OutboxRepository.enqueue(tx, mailbox, 'balance.credited', day);
    tx.scrubAfterCommit();
  }

  /** Why a payment with a live code still cannot be credited, if it cannot. */
  private refusal(payment: {
    channel: Channel;
    amountMinor: number;
    currency: string;
  }): UnmatchedReason | undefined {
    if (payment.currency !== this.config.currency) return 'currency';
    if (
      payment.amountMinor <= 0 ||
      payment.amountMinor > this.config.channelLimitMinor[payment.channel]
    )
      return 'amount-limit';
    return undefined;
  }

  /**
   * With BALANCE_CAP_MINOR set: true when crediting the amount would take the
   * code's mailbox above the cap. The code's row and then the mailbox's are
   * locked (PostgreSQL), so two payments to one mailbox cannot both slip under
   * the cap, and the fee run (which takes the mailbox's lock too) waits.
   */
  private async overCap(
    tx: Tx,
    codeHash: string,
    amountMinor: number,
    today: Day,
  ): Promise<boolean> {
    const cap = this.config.balanceCapMinor;
    if (cap === undefined) return false;
    const [code] = await tx.query<{ mailbox: string }>(
      `SELECT mailbox FROM topup_code WHERE code_hash = $1 AND expires_on >= $2${tx.forUpdate}`,
      [codeHash, today],
    );
    // Not live after all: the claim that follows finds nothing and says so.
    if (!code) return false;
    await MailboxRepository.lock(tx, code.mailbox);
    return (await LedgerRepository.balance(tx, code.mailbox)) + amountMinor > cap;
  }

  private async match(tx: Tx, payment: ReceivedPayment, today: Day): Promise<Match> {
    const found = findCodes(payment.texts, { correctTypos: payment.correctTypos });
    const exact = await this.live(tx, found.exact, today);
    if (exact.length === 1)
      return { ok: true, sighting: exact[0].sighting, codeHash: exact[0].codeHash };
    if (exact.length > 1) return { ok: false, reason: 'ambiguous-code' };
    // A typo is corrected only where exactly one live code results.
    const corrected = await this.live(tx, found.corrected, today);
    const distinct = new Set(corrected.map((c) => c.codeHash));
    if (distinct.size === 1)
      return { ok: true, sighting: corrected[0].sighting, codeHash: corrected[0].codeHash };
    if (distinct.size > 1) return { ok: false, reason: 'ambiguous-code' };
    return { ok: false, reason: found.exact.length > 0 ? 'unknown-code' : 'no-code' };
  }

  private async live(tx: Tx, sightings: readonly CodeSighting[], today: Day) {
    if (sightings.length === 0) return [];
    const hashed = sightings.map((sighting) => ({
      sighting,
      codeHash: this.hash.code(sighting.canonical),
    }));
    const live = new Set(
      await TopupCodeRepository.findLive(tx, [...new Set(hashed.map((h) => h.codeHash))], today),
    );
    const hits = hashed.filter((h) => live.has(h.codeHash));
    const seen = new Set<string>();
    return hits.filter((h) => !seen.has(h.codeHash) && seen.add(h.codeHash));
  }
}

/** What the journal row says of the payment's fate: everything but what the payment itself says. */
type Fate = Pick<
  NewPayment,
  'settledOn' | 'status' | 'reason' | 'country' | 'payerName' | 'payerIban' | 'remittance'
>;

/**
 * The journal's row of a payment. Written out field by field, not as an object
 * spread: Node 20's V8 allocates a spread with added properties so that it
 * outlives the young generation, and a bank import's every payment went to the
 * old one (bench:import: the heap grew by 60 MB between collections).
 */
function journalRow(id: string, payment: ReceivedPayment, fate: Fate): NewPayment {
  return {
    id,
    channel: payment.channel,
    externalRef: payment.externalRef,
    amountMinor: payment.amountMinor,
    currency: payment.currency,
    bookedOn: payment.bookedOn,
    payerCountry: countryOfIban(payment.payer?.iban),
    settledOn: fate.settledOn,
    status: fate.status,
    reason: fate.reason,
    country: fate.country,
    payerName: fate.payerName,
    payerIban: fate.payerIban,
    remittance: fate.remittance,
  };
}

function displayText(payment: ReceivedPayment): string {
  if (payment.remittance != null) return payment.remittance;
  return payment.texts
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .join(' | ');
}

function nonEmpty(text: string): string | null {
  return text.trim() === '' ? null : text;
}

/** The payer's bank country: the second piece of VAT evidence; two letters, no identity. */
function countryOfIban(iban: string | null | undefined): string | null {
  const prefix = iban?.replace(/\s/g, '').slice(0, 2).toUpperCase();
  return prefix && /^[A-Z]{2}$/.test(prefix) ? prefix : null;
}
