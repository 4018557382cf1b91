import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { addDays } from '../common/day';
import { DomainError } from '../common/domain-error';
import { KeyedHash } from '../config/keyed-hash';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { MailboxNotFound } from '../ledger/ledger.errors';
import { MailboxRepository } from '../ledger/mailbox.repository';
import { displayCode, generateCode } from './code-format';
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
    const shown = displayCode(code);
    return {
      code: shown,
      expiresOn,
      transfer: {
        creditorName: this.config.creditor.name,
        iban: this.config.creditor.iban,
        bic: this.config.creditor.bic,
        remittance: shown,
      },
    };
  }

  purgeExpired(): Promise<number> {
    return this.transactions.run(async (tx) => {
      const purged = await TopupCodeRepository.purgeExpired(tx, this.clock.today());
      if (purged > 0) tx.scrubAfterCommit();
      return purged;
    });
  }
}
