import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Day } from '../common/day';
import { KeyedHash } from '../config/keyed-hash';
import {
  CodeSighting,
  findCodes,
  withoutAnyCode,
  withoutCode,
  withoutPiecesOf,
} from '../codes/code-finder';
import { LiveCode, TopupCodeRepository } from '../codes/topup-code.repository';
import { AppConfig } from '../config/app-config';
import { RetryTransaction, Tx } from '../database/tx';
import { LedgerRepository } from '../ledger/ledger.repository';
import { BankBookingRepository } from './bank-booking.repository';
import { ReserveRepository } from '../codes/reserve.repository';
import { NewPayment, PaymentRepository } from './payment.repository';
import { IntakeOutcome, PaymentKind, ReceivedPayment, UnmatchedReason } from './received-payment';
import { Channel } from '../ledger/channel';
import { Metrics } from '../metrics/metrics';
import { CreditLine } from '../ledger/credit-line';
import { writeCredits } from './settlement/credit-writer';
import { IntakeLocks } from './settlement/intake-locks';
import { PendingCreditRepository } from '../ledger/pending-credit.repository';
import { PendingPaymentRepository } from './settlement/pending-payment.repository';
import { Settling, settleDay } from './settlement/settling';

type Match = (
  { ok: true; sighting: CodeSighting; codeHash: string } | { ok: false; reason: UnmatchedReason }
) & {
  /**
   * Every code the intake saw in the payment's texts (and live codes read
   * through a typo): none of them is kept in clear, credited or not.
   */
  seen: string[];
};

/**
 * The one path for money (DESIGN.md). Every channel hands its received payments
 * here, inside the caller's transaction: dedupe, journal, find the code, then
 * credit the mailbox and consume the code, or record it as unmatched. Which
 * side of a credit is written now and which later is the caller's `settling`
 * (settlement/settling.ts); the two are never written one after the other in
 * one transaction of their own.
 */
@Injectable()
export class PaymentIntake {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(Clock) private readonly clock: Clock,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {}

  /** Takes a payment in; counted in the metrics once its transaction committed. */
  async take(tx: Tx, payment: ReceivedPayment, settling: Settling): Promise<IntakeOutcome> {
    const outcome = await this.takeIn(tx, payment, settling);
    const metrics = this.metrics;
    if (metrics)
      tx.afterCommit(() =>
        metrics.paymentTaken(payment.channel, outcome.status, payment.amountMinor),
      );
    return outcome;
  }

  private async takeIn(
    tx: Tx,
    payment: ReceivedPayment,
    settling: Settling,
  ): Promise<IntakeOutcome> {
    const journalLater = settling.kind === 'journal-later';
    // A reference that may wait in pending_payment is unique across two
    // tables: one transaction at a time may look and write.
    if (journalLater) await IntakeLocks.reference(tx, payment.channel, payment.externalRef);
    const known = await this.knownAs(tx, payment, journalLater);
    if (known) return { paymentId: known, status: 'duplicate' };

    const today = this.clock.today();
    const settleOn = settleDay(settling);
    // What does not depend on the code is decided first, and reads the same
    // whether the code is live or not: no answer tells a live code from a dead one.
    const outgoing = (payment.kind ?? 'credit') !== 'credit';
    const refusedAnyway = outgoing ? 'reversal' : this.refusal(payment);
    const match: Match = outgoing
      ? { ok: false, reason: 'reversal', seen: codesIn(payment) }
      : await this.match(tx, payment, today, settling);
    // A code that is no mailbox's may be a token reserve's; refused payments reach none.
    if (!refusedAnyway && !match.ok && match.reason === 'unknown-code') {
      const reserved = await this.toReserve(tx, payment, match.seen, today, settleOn, journalLater);
      if (reserved) return reserved;
    }
    let refused = refusedAnyway ?? (match.ok ? undefined : match.reason);
    if (
      match.ok &&
      !refused &&
      (await this.overCap(tx, match.codeHash, payment.amountMinor, settling))
    )
      refused = 'amount-limit';
    const claimed =
      match.ok && !refused ? await this.claim(tx, match.codeHash, today, settling) : undefined;
    const id = randomUUID();

    if (claimed && match.ok) {
      // Credited: the payer's details and the code's spelling are not kept.
      const row = journalRow(id, payment, {
        settledOn: settleOn,
        status: 'credited',
        reason: null,
        country: claimed.country,
        payerName: null,
        payerIban: null,
        remittance: nonEmpty(withoutCodes(displayText(payment), match.seen)),
      });
      const inserted = journalLater
        ? await PendingPaymentRepository.insertOnce(tx, row)
        : await PaymentRepository.insertOnce(tx, row);
      // The code was ours, so nobody else can have recorded this payment: if
      // someone did, roll everything back rather than credit beside it.
      if (!inserted) throw new RetryTransaction();
      if (payment.identity) await BankBookingRepository.insert(tx, id, payment.identity);
      await this.credit(tx, settling, {
        codeHash: claimed.codeHash,
        mailbox: claimed.mailbox,
        channel: payment.channel,
        amountMinor: payment.amountMinor,
        currency: this.config.currency,
        bookedOn: settleOn,
      });
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
        remittance: nonEmpty(withoutCodes(displayText(payment), match.seen)),
      }),
    );
    if (!inserted) {
      const first = await PaymentRepository.findByRef(tx, payment.channel, payment.externalRef);
      return { paymentId: first ?? id, status: 'duplicate' };
    }
    if (payment.identity) await BankBookingRepository.insert(tx, id, payment.identity);
    return { paymentId: id, status: 'unmatched', reason };
  }

  /**
   * Credits an unmatched payment to a code that staff found for it, through the
   * same claim as the intake; the credit waits for the next settlement.
   * Returns 'not-live' when the code is not live.
   */
  async creditFound(
    tx: Tx,
    payment: {
      id: string;
      channel: Channel;
      amountMinor: number;
      currency: string;
      remittance: string | null;
      kind: PaymentKind;
    },
    canonicalCode: string,
    settleOn: Day,
  ): Promise<'credited' | 'not-live' | UnmatchedReason> {
    // Money that went back out (a refund, a reversal, a dispute) is never credited.
    if (payment.kind !== 'credit') return 'reversal';
    const refused = this.refusal(payment);
    if (refused) return refused;
    const today = this.clock.today();
    const settling: Settling = { kind: 'credit-later', settleOn };
    const codeHash = this.hash.code(canonicalCode);
    if (await this.overCap(tx, codeHash, payment.amountMinor, settling)) return 'amount-limit';
    const claimed = await this.claim(tx, codeHash, today, settling);
    if (!claimed) return 'not-live';
    await PaymentRepository.resolve(tx, payment.id, {
      status: 'credited',
      settledOn: settleOn,
      resolvedOn: today,
      country: claimed.country,
      remittance:
        payment.remittance === null
          ? null
          : withoutPiecesOf(withoutAnyCode(payment.remittance, [canonicalCode]), canonicalCode),
    });
    await this.credit(tx, settling, {
      codeHash: claimed.codeHash,
      mailbox: claimed.mailbox,
      channel: payment.channel,
      amountMinor: payment.amountMinor,
      currency: this.config.currency,
      bookedOn: settleOn,
    });
    return 'credited';
  }

  /**
   * A payment whose code is a token reserve's (src/tokens) credits the reserve:
   * both are on the payment side, so the journal row and the reserve's balance
   * are written together. Undefined when no single live reserve matches or the
   * payment cannot be credited: the caller records it unmatched.
   */
  private async toReserve(
    tx: Tx,
    payment: ReceivedPayment,
    seen: readonly string[],
    today: Day,
    settleOn: Day,
    journalLater: boolean,
  ): Promise<IntakeOutcome | undefined> {
    const hashes = [...new Set(seen.map((code) => this.hash.code(code)))];
    const reserves = await ReserveRepository.findLive(tx, hashes, today);
    if (reserves.length !== 1 || journalLater || this.refusal(payment)) return undefined;
    const id = randomUUID();
    const row = journalRow(id, payment, {
      settledOn: settleOn,
      status: 'reserved',
      reason: null,
      country: null,
      payerName: null,
      payerIban: null,
      remittance: nonEmpty(withoutCodes(displayText(payment), seen)),
    });
    if (!(await PaymentRepository.insertOnce(tx, row))) throw new RetryTransaction();
    if (payment.identity) await BankBookingRepository.insert(tx, id, payment.identity);
    if (!(await ReserveRepository.credit(tx, reserves[0], payment.amountMinor, today)))
      throw new RetryTransaction();
    return { paymentId: id, status: 'credited' };
  }

  /** The journal id of a payment taken before, wherever it waits. */
  private async knownAs(
    tx: Tx,
    payment: ReceivedPayment,
    pendingToo: boolean,
  ): Promise<string | undefined> {
    const known = await PaymentRepository.findByRef(tx, payment.channel, payment.externalRef);
    if (known) return known;
    // The same bank booking, reported again with other references.
    if (payment.identity) return BankBookingRepository.find(tx, payment.identity);
    if (!pendingToo) return undefined;
    return (await PendingPaymentRepository.findByRef(tx, payment.channel, payment.externalRef))?.id;
  }

  /**
   * Takes a live code for this payment: it is no one else's from here on.
   * Deleted at once when the credit is written now; otherwise reserved (by the
   * batch, or by the pending credit) and deleted when the credit is written.
   * Undefined when the code turned out not to be live after all.
   */
  private async claim(
    tx: Tx,
    codeHash: string,
    today: Day,
    settling: Settling,
  ): Promise<LiveCode | undefined> {
    if (settling.kind === 'batch' && settling.batch.holds(codeHash)) return undefined;
    const code = await TopupCodeRepository.lockLive(tx, codeHash, today);
    // Asked after the lock: a transaction that reserved it before has committed by now.
    if (!code || (await PendingCreditRepository.holds(tx, codeHash))) return undefined;
    return code;
  }

  /** Writes the credit now, with the batch, or at the next settlement. */
  private async credit(
    tx: Tx,
    settling: Settling,
    credit: CreditLine & { codeHash: string },
  ): Promise<void> {
    switch (settling.kind) {
      case 'batch':
        settling.batch.add(credit);
        return;
      case 'credit-later':
        await PendingCreditRepository.insert(tx, credit);
        return;
      case 'journal-later':
        await writeCredits(tx, [credit], { events: this.config.webhook !== undefined });
    }
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
   * code's mailbox above the cap, counting credits that wait for settlement
   * and those of the same batch. Two payments to one mailbox cannot both slip
   * under the cap: single payments hold the mailbox, a batch holds them all
   * (advisory locks on PostgreSQL: nothing written into any row). Asked before
   * the code is claimed, so that a refused payment leaves no lock in its row.
   */
  private async overCap(
    tx: Tx,
    codeHash: string,
    amountMinor: number,
    settling: Settling,
  ): Promise<boolean> {
    const cap = this.config.balanceCapMinor;
    if (cap === undefined) return false;
    const mailbox = await TopupCodeRepository.mailboxOf(tx, codeHash);
    // Not live after all: the claim that follows finds nothing and says so.
    if (mailbox === undefined) return false;
    if (settling.kind === 'batch') await IntakeLocks.capOfAll(tx);
    else await IntakeLocks.capOfMailbox(tx, mailbox);
    const balance =
      (await LedgerRepository.balance(tx, mailbox)) +
      (await PendingCreditRepository.sumFor(tx, mailbox)) +
      (settling.kind === 'batch' ? settling.batch.creditedTo(mailbox) : 0);
    return balance + amountMinor > cap;
  }

  private async match(
    tx: Tx,
    payment: ReceivedPayment,
    today: Day,
    settling: Settling,
  ): Promise<Match> {
    const found = findCodes(payment.texts, { correctTypos: payment.correctTypos });
    const exact = await this.live(tx, found.exact, today, settling);
    const seen = found.exact.map((s) => s.canonical);
    if (exact.length === 1)
      return { ok: true, sighting: exact[0].sighting, codeHash: exact[0].codeHash, seen };
    if (exact.length > 1) return { ok: false, reason: 'ambiguous-code', seen };
    // A typo is corrected only where exactly one live code results.
    const corrected = await this.live(tx, found.corrected, today, settling);
    seen.push(...corrected.map((c) => c.sighting.canonical));
    const distinct = new Set(corrected.map((c) => c.codeHash));
    if (distinct.size === 1) {
      const [only] = corrected;
      return { ok: true, sighting: only.sighting, codeHash: only.codeHash, seen };
    }
    if (distinct.size > 1) return { ok: false, reason: 'ambiguous-code', seen };
    return { ok: false, reason: found.exact.length > 0 ? 'unknown-code' : 'no-code', seen };
  }

  private async live(tx: Tx, sightings: readonly CodeSighting[], today: Day, settling: Settling) {
    if (sightings.length === 0) return [];
    const hashed = sightings.map((sighting) => ({
      sighting,
      codeHash: this.hash.code(sighting.canonical),
    }));
    const live = new Set(
      await TopupCodeRepository.findLive(tx, [...new Set(hashed.map((h) => h.codeHash))], today),
    );
    const batch = settling.kind === 'batch' ? settling.batch : undefined;
    const hits = hashed.filter((h) => live.has(h.codeHash) && !batch?.holds(h.codeHash));
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
 * outlives the young generation (bench:import).
 */
function journalRow(id: string, payment: ReceivedPayment, fate: Fate): NewPayment {
  return {
    id,
    channel: payment.channel,
    kind: payment.kind ?? 'credit',
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

/** The codes written in a payment's texts, as the intake reads them. */
function codesIn(payment: ReceivedPayment): string[] {
  return findCodes(payment.texts, { correctTypos: false }).exact.map((s) => s.canonical);
}

/** The text with every spelling of these codes (typos included) cut out. */
function withoutCodes(text: string, codes: readonly string[]): string {
  let result = text;
  for (const code of new Set(codes)) result = withoutCode([result], code)[0];
  return result;
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
