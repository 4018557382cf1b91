import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { addDays } from '../common/day';
import { KeyedHash } from '../config/keyed-hash';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { CodeIssuer } from './code-issuer';
import { displayCode } from './code-format';
import { epcQrPayload } from './epc-qr';
import { ReserveRepository } from './reserve.repository';
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
    return this.answer(code, expiresOn);
  }

  /**
   * Issues a reserve's code (src/tokens): the same format, hash and answer as a
   * mailbox's code, stored with a balance and no mailbox.
   */
  async issueReserve(): Promise<IssuedCode> {
    const code = this.issuer.draft();
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
      return purged;
    });
  }
}
