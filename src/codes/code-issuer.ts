import { Inject, Injectable } from '@nestjs/common';
import { Day } from '../common/day';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { KeyedHash } from '../config/keyed-hash';
import { Tx } from '../database/tx';
import { MailboxNotFound } from '../ledger/ledger.errors';
import { MailboxRepository } from '../ledger/mailbox.repository';
import { generateCode } from './code-format';
import { TopupCodeRepository } from './topup-code.repository';

export class TooManyOpenCodes extends DomainError {
  readonly slug = 'too-many-open-codes';
  readonly status = 409;
  readonly title = 'The mailbox holds as many open codes as allowed';
}

/**
 * The one place codes come from, whatever they pay for (a top-up code mailed
 * to the user, the internal code of a PayPal order): a fresh random code, and
 * its keyed hash stored for the mailbox's pseudonym under the mailbox's lock,
 * within MAX_OPEN_CODES. The code itself is never stored.
 */
@Injectable()
export class CodeIssuer {
  constructor(
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** A fresh code, not yet recorded (a PayPal order needs it before the order exists). */
  draft(): string {
    return generateCode();
  }

  /**
   * Locks the mailbox and checks that it may hold one more open code; throws
   * MailboxNotFound or TooManyOpenCodes. The lock keeps two concurrent
   * requests from both taking the last free slot.
   */
  async requireRoom(tx: Tx, pseudonym: string, today: Day): Promise<void> {
    if (!(await MailboxRepository.lock(tx, pseudonym))) throw new MailboxNotFound();
    if ((await TopupCodeRepository.countOpen(tx, pseudonym, today)) >= this.config.maxOpenCodes) {
      throw new TooManyOpenCodes(
        `A mailbox may hold ${this.config.maxOpenCodes} open codes, PayPal orders included; use one or wait until one expires.`,
      );
    }
  }

  /** Records `code` for the mailbox (room checked in the same transaction); returns its hash. */
  async issue(
    tx: Tx,
    code: string,
    owner: { pseudonym: string; country: string | null; expiresOn: Day; today: Day },
  ): Promise<string> {
    await this.requireRoom(tx, owner.pseudonym, owner.today);
    const codeHash = this.hash.code(code);
    await TopupCodeRepository.insert(tx, {
      codeHash,
      mailbox: owner.pseudonym,
      country: owner.country,
      expiresOn: owner.expiresOn,
    });
    return codeHash;
  }
}
