import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { addDays } from '../common/day';
import { DomainError } from '../common/domain-error';
import { KeyedHash } from '../common/keyed-hash';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { MailboxNotFound } from '../mailboxes/mailboxes.service';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { displayCode, generateCode } from './code-format';
import { epcQrPayload } from './epc-qr';
import { ReserveRepository } from '../tokens/reserve.repository';
import { IssuedCode } from './topup-codes.schemas';
import { TopupCodeRepository } from './topup-code.repository';

export class TooManyOpenCodes extends DomainError {
  readonly slug = 'too-many-open-codes';
  readonly status = 409;
  readonly title = 'The mailbox holds as many open codes as allowed';
}

@Injectable()
export class TopupCodesService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /**
   * Issues a one-time code. Only its keyed hash is stored; the code itself
   * exists after this response only in the user's mail.
   */
  async issue(mailboxId: string, country: string | null): Promise<IssuedCode> {
    const pseudonym = this.hash.mailbox(mailboxId);
    const code = generateCode();
    const today = this.clock.today();
    const expiresOn = addDays(today, this.config.codeTtlDays);
    await this.transactions.run(async (tx) => {
      // The lock keeps two concurrent requests from both taking the last free slot.
      if (!(await MailboxRepository.lock(tx, pseudonym))) throw new MailboxNotFound();
      const open = await TopupCodeRepository.countOpen(tx, pseudonym, today);
      if (open >= this.config.maxOpenCodes) {
        throw new TooManyOpenCodes(
          `A mailbox may hold ${this.config.maxOpenCodes} open codes; use one or wait until one expires.`,
        );
      }
      await TopupCodeRepository.insert(tx, {
        codeHash: this.hash.code(code),
        mailbox: pseudonym,
        country,
        expiresOn,
      });
    });
    return this.answer(code, expiresOn);
  }

  /**
   * Issues a reserve's code (src/tokens): the same format, hash and answer as a
   * mailbox's code, stored with a balance and no mailbox.
   */
  async issueReserve(): Promise<IssuedCode> {
    const code = generateCode();
    const expiresOn = addDays(this.clock.today(), this.config.tokens.reserveTtlDays);
    await this.transactions.run((tx) =>
      ReserveRepository.insert(tx, {
        codeHash: this.hash.code(code),
        currency: this.config.currency,
        expiresOn,
      }),
    );
    return this.answer(code, expiresOn);
  }

  /** What the payer needs: the code, the transfer's details and their GiroCode payload. */
  private answer(code: string, expiresOn: string): IssuedCode {
    const shown = displayCode(code);
    const transfer = {
      creditorName: this.config.creditor.name,
      iban: this.config.creditor.iban,
      bic: this.config.creditor.bic,
      remittance: shown,
    };
    return { code: shown, expiresOn, transfer, epcQr: epcQrPayload(transfer) };
  }

  purgeExpired(): Promise<number> {
    return this.transactions.run(async (tx) => {
      const purged = await TopupCodeRepository.purgeExpired(tx, this.clock.today());
      if (purged > 0) tx.scrubAfterCommit();
      return purged;
    });
  }
}
