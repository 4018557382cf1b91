import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { addDays } from '../common/day';
import { KeyedHash } from '../config/keyed-hash';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { CodeIssuer } from './code-issuer';
import { displayCode } from './code-format';
import { IssuedCode } from './topup-codes.schemas';
import { TopupCodeRepository } from './topup-code.repository';

@Injectable()
export class TopupCodesService {
  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(CodeIssuer) private readonly issuer: CodeIssuer,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /**
   * Issues a one-time code. Only its keyed hash is stored; the code itself
   * exists after this response only in the user's mail.
   */
  async issue(mailboxId: string, country: string | null): Promise<IssuedCode> {
    const pseudonym = this.hash.mailbox(mailboxId);
    const code = this.issuer.draft();
    const today = this.clock.today();
    const expiresOn = addDays(today, this.config.codeTtlDays);
    await this.transactions.run((tx) =>
      this.issuer.issue(tx, code, { pseudonym, country, expiresOn, today }),
    );
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
      return purged;
    });
  }
}
