import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { CodeMisread } from '../codes/code.errors';
import { TotalsDoNotAddUp } from '../cash/cash.errors';
import { CashBatchOutcome } from '../cash/cash.schemas';
import { CashService } from '../cash/cash.service';
import { parseCode } from '../codes/code-format';
import { FieldError, NotFound, UnknownCurrency } from '../common/domain-error';
import { isKnownCurrency } from '../common/money';
import { PaymentDayWindow } from '../payments/payment-day';
import { Transactions } from '../database/transactions';
import { StaffSecrets } from '../staff/staff-secrets';
import { StaffPrincipal } from '../auth/staff-principal';
import { SamePerson } from '../staff/staff.errors';
import { CashBatchDraftRepository, DraftView } from './cash-batch-draft.repository';
import { CashBatchDraft } from './console.schemas';

const SEAL_PURPOSE = 'billing/cash-batch-draft';

/**
 * Four eyes on cash batches: one person enters a day's letters, a second
 * confirms by typing the total they counted. Only the confirmation records
 * anything, through the same CashService.payBatch as POST /v1/cash-batches.
 * While a batch waits its letters are sealed (their codes are live codes).
 */
@Injectable()
export class CashBatchDrafts {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(CashService) private readonly cash: CashService,
    @Inject(StaffSecrets) private readonly secrets: StaffSecrets,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
    @Inject(PaymentDayWindow) private readonly days: PaymentDayWindow,
  ) {}

  async enter(by: StaffPrincipal, draft: CashBatchDraft): Promise<DraftView> {
    if (!isKnownCurrency(draft.currency))
      throw new UnknownCurrency(`${draft.currency} is not an ISO 4217 currency.`, [
        { path: 'currency', message: 'unknown currency' },
      ]);
    this.days.check(draft.receivedOn, 'receivedOn');
    const problems: FieldError[] = [];
    const entries = draft.entries.map((entry, i) => {
      const parsed = parseCode(entry.code);
      if (!parsed.ok) problems.push({ path: `entries.${i}.code`, message: 'misread code' });
      return { code: parsed.ok ? parsed.canonical : '', amountMinor: entry.amountMinor };
    });
    if (problems.length > 0)
      throw new CodeMisread('Read these codes again; nothing was kept.', problems);
    const id = randomUUID();
    const row = {
      id,
      enteredBy: by.name,
      enteredAt: Date.now(),
      receivedOn: draft.receivedOn,
      currency: draft.currency,
      letters: entries.length,
      sealedEntries: this.secrets.seal(SEAL_PURPOSE, id, JSON.stringify(entries)),
    };
    await this.transactions.run(async (tx) => {
      await CashBatchDraftRepository.insert(tx, row);
      await this.audit.append(tx, {
        actor: by.name,
        action: 'batch-entered',
        detail: { batch: id, letters: entries.length, receivedOn: draft.receivedOn },
      });
    });
    return CashBatchDraftRepository.view(row);
  }

  list(): Promise<DraftView[]> {
    return this.transactions.run(async (tx) =>
      (await CashBatchDraftRepository.all(tx)).map(CashBatchDraftRepository.view),
    );
  }

  /** The second person's count; equal to the letters' sum, the batch is recorded. */
  async confirm(
    by: StaffPrincipal,
    id: string,
    countedTotalMinor: number,
  ): Promise<CashBatchOutcome> {
    const draft = await this.transactions.run((tx) => CashBatchDraftRepository.find(tx, id));
    if (!draft) throw new NotFound('No batch waits with this id.');
    if (draft.enteredBy === by.name) {
      await this.audit.record({
        actor: by.name,
        action: 'batch-confirmation-refused',
        detail: { batch: id, why: 'entered by the same person' },
      });
      throw new SamePerson('A second person must count and confirm this batch.');
    }
    const entries = JSON.parse(this.secrets.open(SEAL_PURPOSE, id, draft.sealedEntries)) as {
      code: string;
      amountMinor: number;
    }[];
    const total = entries.reduce((sum, e) => sum + e.amountMinor, 0);
    if (total !== countedTotalMinor) {
      await this.transactions.run(async (tx) => {
        await CashBatchDraftRepository.countFailure(tx, id);
        await this.audit.append(tx, {
          actor: by.name,
          action: 'batch-confirmation-refused',
          detail: { batch: id, why: 'counted total differs', countedTotalMinor },
        });
      });
      // The confirmer is not told the sum: they count again.
      throw new TotalsDoNotAddUp(
        'The count differs from the letters entered; nothing was recorded.',
        [{ path: 'countedTotalMinor', message: 'does not match the letters entered' }],
      );
    }
    // The draft's id is the Idempotency-Key: a confirmation repeated after a crash replays.
    const stored = await this.cash.payBatch(
      { receivedOn: draft.receivedOn, currency: draft.currency, countedTotalMinor, entries },
      `cash-batch-draft:${id}`,
    );
    await this.transactions.run(async (tx) => {
      await CashBatchDraftRepository.remove(tx, id);
      await this.audit.append(tx, {
        actor: by.name,
        action: 'batch-confirmed',
        detail: {
          batch: id,
          enteredBy: draft.enteredBy,
          letters: entries.length,
          countedTotalMinor,
          credited: stored.body.credited,
          unmatched: stored.body.unmatched,
        },
      });
    });
    return stored.body;
  }
}
