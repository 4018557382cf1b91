import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Day } from '../common/day';
import { KeyedHash } from '../common/keyed-hash';
import { CodeSighting, findCodes, FoundCodes, withoutCode } from '../codes/code-finder';
import { TopupCodeRepository } from '../codes/topup-code.repository';
import { AppConfig } from '../config/app-config';
import { RetryTransaction, Tx } from '../database/transactions';
import { LedgerRepository } from '../mailboxes/ledger.repository';
import { NewPayment, PaymentRepository } from './payment.repository';
import { Channel, IntakeOutcome, ReceivedPayment, UnmatchedReason } from './received-payment';

/** What the intake decided for one payment before anything was written. */
type Decision =
  | { kind: 'duplicate'; paymentId: string }
  | { kind: 'credit'; codeHash: string; canonical: string }
  | { kind: 'unmatched'; reason: UnmatchedReason };

const PENDING = 'pending:';

/** Statements carry at most this many payments: well inside both dialects' parameter limits. */
export const INTAKE_BATCH = 500;

/**
 * The one path for money (DESIGN.md). Every channel hands its received payments
 * here, inside the caller's transaction: dedupe, journal, find the code, then
 * credit the mailbox and delete the code together, or record it as unmatched.
 *
 * Payments are taken in batches (a bank import hands over hundreds at once) with
 * a handful of statements per batch instead of a handful per payment. A batch
 * decides exactly as the same payments taken one by one, in order, would: a
 * reference seen earlier in the batch is a duplicate, a code claimed earlier in
 * the batch is no longer live.
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
    const [outcome] = await this.takeMany(tx, [payment], settleOn);
    return outcome;
  }

  async takeMany(
    tx: Tx,
    payments: readonly ReceivedPayment[],
    settleOn: Day,
  ): Promise<IntakeOutcome[]> {
    const outcomes: IntakeOutcome[] = [];
    for (let i = 0; i < payments.length; i += INTAKE_BATCH) {
      outcomes.push(...(await this.takeBatch(tx, payments.slice(i, i + INTAKE_BATCH), settleOn)));
    }
    return outcomes;
  }

  private async takeBatch(
    tx: Tx,
    payments: readonly ReceivedPayment[],
    settleOn: Day,
  ): Promise<IntakeOutcome[]> {
    const today = this.clock.today();
    const decisions = await this.decide(tx, payments, today);

    // Claim the codes: of two transactions racing for a code, exactly one gets its row.
    const wanted = decisions.flatMap((d) => (d.kind === 'credit' ? [d.codeHash] : []));
    const claimed = new Map(
      (await TopupCodeRepository.takeMany(tx, wanted, today)).map((c) => [c.codeHash, c]),
    );

    const rows: NewPayment[] = [];
    const credits: { mailbox: string; channel: Channel; amountMinor: number }[] = [];
    const outcomes: IntakeOutcome[] = [];
    for (const [i, payment] of payments.entries()) outcomes.push(decide(payment, i));
    function decide(payment: ReceivedPayment, i: number): IntakeOutcome {
      const decision = decisions[i];
      if (decision.kind === 'duplicate') {
        // A repeat within the batch points at the earlier payment's new id.
        const earlier = decision.paymentId.startsWith(PENDING)
          ? outcomes[Number(decision.paymentId.slice(PENDING.length))]
          : undefined;
        return { paymentId: earlier?.paymentId ?? decision.paymentId, status: 'duplicate' };
      }
      const id = randomUUID();
      const base = {
        id,
        channel: payment.channel,
        externalRef: payment.externalRef,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        bookedOn: payment.bookedOn,
        payerCountry: countryOfIban(payment.payer?.iban),
      };
      const code = decision.kind === 'credit' ? claimed.get(decision.codeHash) : undefined;
      if (decision.kind === 'credit' && code) {
        rows.push({
          ...base,
          settledOn: settleOn,
          status: 'credited',
          reason: null,
          country: code.country,
          payerName: null,
          payerIban: null,
          remittance: nonEmpty(withoutCode([displayText(payment)], decision.canonical)[0]),
        });
        credits.push({
          mailbox: code.mailbox,
          channel: payment.channel,
          amountMinor: payment.amountMinor,
        });
        return { paymentId: id, status: 'credited' };
      }
      // A code another transaction claimed first is no longer live.
      const reason = decision.kind === 'unmatched' ? decision.reason : 'unknown-code';
      rows.push({
        ...base,
        settledOn: null,
        status: 'unmatched',
        reason,
        country: null,
        payerName: payment.payer?.name?.trim() || null,
        payerIban: payment.payer?.iban?.trim() || null,
        remittance: nonEmpty(displayText(payment)),
      });
      return { paymentId: id, status: 'unmatched', reason };
    }

    const inserted = await PaymentRepository.insertMany(tx, rows);
    if (inserted.size < rows.length) {
      // Another transaction recorded one of these payments since we looked: run
      // the whole unit again, which then sees it as the duplicate it is.
      throw new RetryTransaction();
    }
    if (credits.length > 0) {
      await LedgerRepository.appendMany(
        tx,
        credits.map((c) => ({
          ...c,
          kind: 'credit' as const,
          currency: this.config.currency,
          bookedOn: settleOn,
        })),
      );
      tx.scrubAfterCommit();
    }
    return outcomes;
  }

  /** Dedupe and code match for a batch, in order, reading but writing nothing. */
  private async decide(
    tx: Tx,
    payments: readonly ReceivedPayment[],
    today: Day,
  ): Promise<Decision[]> {
    const known = await PaymentRepository.findByRefs(
      tx,
      payments.map((p) => ({ channel: p.channel, externalRef: p.externalRef })),
    );
    const found = payments.map((p) =>
      p.reversal ? undefined : findCodes(p.texts, { correctTypos: p.correctTypos }),
    );
    const hashOf = new Map<string, string>();
    for (const f of found) {
      for (const s of [...(f?.exact ?? []), ...(f?.corrected ?? [])]) {
        if (!hashOf.has(s.canonical)) hashOf.set(s.canonical, this.hash.code(s.canonical));
      }
    }
    const live = new Set(
      await TopupCodeRepository.findLive(tx, [...new Set(hashOf.values())], today),
    );
    const taken = new Set<string>();
    const seenRefs = new Map<string, string>();

    return payments.map((payment, i): Decision => {
      const refKey = `${payment.channel}\u0000${payment.externalRef}`;
      const earlier = known.get(refKey) ?? seenRefs.get(refKey);
      if (earlier) return { kind: 'duplicate', paymentId: earlier };
      seenRefs.set(refKey, `${PENDING}${i}`);
      const decision = this.match(payment, found[i], hashOf, live, taken);
      if (decision.kind === 'credit') taken.add(decision.codeHash);
      return decision;
    });
  }

  private match(
    payment: ReceivedPayment,
    found: FoundCodes | undefined,
    hashOf: ReadonlyMap<string, string>,
    live: ReadonlySet<string>,
    taken: ReadonlySet<string>,
  ): Decision {
    if (!found) return { kind: 'unmatched', reason: 'reversal' };
    const liveCodes = (sightings: readonly CodeSighting[]) => [
      ...new Set(
        sightings
          .map((s) => s.canonical)
          .filter((c) => live.has(hashOf.get(c)!) && !taken.has(hashOf.get(c)!)),
      ),
    ];
    const exact = liveCodes(found.exact);
    // A typo is corrected only where exactly one live code results.
    const candidates = exact.length > 0 ? exact : liveCodes(found.corrected);
    if (candidates.length > 1) return { kind: 'unmatched', reason: 'ambiguous-code' };
    if (candidates.length === 0) {
      return { kind: 'unmatched', reason: found.exact.length > 0 ? 'unknown-code' : 'no-code' };
    }
    const refused = this.refusal(payment);
    if (refused) return { kind: 'unmatched', reason: refused };
    return { kind: 'credit', canonical: candidates[0], codeHash: hashOf.get(candidates[0])! };
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
    },
    canonicalCode: string,
    settleOn: Day,
  ): Promise<'credited' | 'not-live' | UnmatchedReason> {
    const refused = this.refusal(payment);
    if (refused) return refused;
    const claimed = await TopupCodeRepository.take(
      tx,
      this.hash.code(canonicalCode),
      this.clock.today(),
    );
    if (!claimed) return 'not-live';
    await PaymentRepository.resolve(tx, payment.id, {
      status: 'credited',
      settledOn: settleOn,
      resolvedOn: this.clock.today(),
      country: claimed.country,
      remittance:
        payment.remittance === null ? null : withoutCode([payment.remittance], canonicalCode)[0],
    });
    await LedgerRepository.appendMany(tx, [
      {
        mailbox: claimed.mailbox,
        kind: 'credit',
        channel: payment.channel,
        amountMinor: payment.amountMinor,
        currency: this.config.currency,
        bookedOn: settleOn,
      },
    ]);
    tx.scrubAfterCommit();
    return 'credited';
  }

  /** Why a payment with a live code still cannot be credited, if it cannot. */
  private refusal(payment: { amountMinor: number; currency: string }): UnmatchedReason | undefined {
    if (payment.currency !== this.config.currency) return 'currency';
    if (payment.amountMinor <= 0 || payment.amountMinor > this.config.paymentLimitMinor)
      return 'amount-limit';
    return undefined;
  }
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
