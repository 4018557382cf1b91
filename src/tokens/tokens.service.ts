import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { Idempotency, StoredResponse } from '../http/idempotency';
import { KeyedHash } from '../config/keyed-hash';
import { parseCode } from '../codes/code-format';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { Tx } from '../database/tx';
import { OutboxRepository } from '../ledger/outbox.repository';
import { LedgerRepository } from '../ledger/ledger.repository';
import { MailboxRepository } from '../ledger/mailbox.repository';
import { MailboxNotFound } from '../ledger/ledger.errors';
import { PendingCreditRepository } from '../ledger/pending-credit.repository';
import { IntakeLocks } from '../payments/settlement/intake-locks';
import { blindSign, verifySignature } from './blind-rsa';
import { challengeDigest, parseToken, parseTokenRequest } from './private-token';
import { ReserveRepository } from '../codes/reserve.repository';
import { TokenBooksRepository } from './token-books.repository';
import { TokenKeyRepository } from './token-key.repository';
import { TokenKey, TokenKeys } from './token-keys.service';
import {
  ReserveNotLive,
  ReserveOverdrawn,
  TokenInvalid,
  TokenKeyExpired,
  TokenRequestInvalid,
  TokenCreditOverCap,
  TokenSpent,
} from './tokens.errors';
import { ReserveBalance, Redeemed, Withdrawn } from './tokens.schemas';

/**
 * The two halves of a blind-signed top-up (docs/decisions/0011-blind-signed-tokens.md).
 * A withdrawal touches only the payment side (a reserve, the day's issued
 * counts); a redemption only the mailbox side (spent nonces, the day's
 * redeemed counts, the ledger). They share no value: a blinded request and the
 * token it becomes cannot be told to belong together without the client's
 * blinding factor, which never leaves the browser.
 */
@Injectable()
export class TokensService {
  private readonly digest: Buffer;

  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(KeyedHash) private readonly hash: KeyedHash,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(TokenKeys) private readonly keys: TokenKeys,
    @Inject(Idempotency) private readonly idempotency: Idempotency,
  ) {
    this.digest = challengeDigest(config.tokens.issuerName);
  }

  async balance(code: string): Promise<ReserveBalance> {
    const codeHash = this.reserveHash(code);
    const reserve = await this.transactions.run((tx) =>
      ReserveRepository.find(tx, codeHash, this.clock.today()),
    );
    if (!reserve) throw notLive();
    return {
      balance: { amountMinor: reserve.balanceMinor, currency: reserve.currency },
      expiresOn: reserve.expiresOn,
    };
  }

  /**
   * Signs each blinded request with its denomination's key and takes their sum
   * from the reserve, all or nothing. The signatures are made before the
   * transaction (they are pure), the debit is one conditional UPDATE.
   */
  async withdraw(
    code: string,
    requests: readonly string[],
    idempotencyKey?: string,
  ): Promise<StoredResponse<Withdrawn>> {
    const codeHash = this.reserveHash(code);
    const signed: { key: TokenKey; response: Buffer }[] = [];
    for (const [index, encoded] of requests.entries()) {
      const request = parseTokenRequest(Buffer.from(encoded, 'base64url'));
      const key = request && (await this.keys.signingKey(request.truncatedKeyId));
      if (!request || !key)
        throw new TokenRequestInvalid(
          `tokenRequests[${index}] is not a type 2 request for a key that signs today; read the issuer directory again`,
          [{ path: `tokenRequests.${index}`, message: 'unknown key or malformed request' }],
        );
      try {
        signed.push({
          key,
          response: blindSign(key.privateKey, key.publicKey, request.blindedMsg),
        });
      } catch {
        throw new TokenRequestInvalid(`tokenRequests[${index}] cannot be signed`, [
          { path: `tokenRequests.${index}`, message: 'blinded message out of range' },
        ]);
      }
    }
    const total = signed.reduce((sum, s) => sum + s.key.denominationMinor, 0);
    const today = this.clock.today();
    const request = { scope: 'token-withdrawal', body: { code: codeHash, requests } };
    return this.idempotency.run(idempotencyKey, request, 201, async (tx) => {
      const left = await ReserveRepository.debit(tx, codeHash, total, today);
      if (left === undefined) {
        if (!(await ReserveRepository.find(tx, codeHash, today))) throw notLive();
        throw new ReserveOverdrawn(
          `These tokens are worth ${total} minor units; the reserve holds less.`,
        );
      }
      for (const [denomination, tokens] of countBy(signed.map((s) => s.key.denominationMinor)))
        await TokenBooksRepository.count(
          tx,
          'token_issued',
          today,
          denomination,
          this.config.currency,
          tokens,
        );
      return {
        tokenResponses: signed.map((s) => s.response.toString('base64url')),
        balance: { amountMinor: left, currency: this.config.currency },
      };
    });
  }

  /**
   * Verifies every token, records its nonce as spent and credits their sum to
   * the mailbox, all or nothing: a token spent before (here or by another
   * instance at the same moment) refuses the whole request.
   */
  async redeem(
    mailboxId: string,
    encodedTokens: readonly string[],
    idempotencyKey?: string,
  ): Promise<StoredResponse<Redeemed>> {
    const today = this.clock.today();
    const accepted: { nonce: string; key: TokenKey }[] = [];
    for (const [index, encoded] of encodedTokens.entries()) {
      const path = [{ path: `tokens.${index}`, message: 'not a token of this issuer' }];
      const token = parseToken(Buffer.from(encoded, 'base64url'));
      if (!token || !token.challengeDigest.equals(this.digest))
        throw new TokenInvalid(`tokens[${index}] does not answer this issuer's challenge`, path);
      const key = await this.keys.redeemingKey(token.keyId.toString('hex'));
      if (!key) {
        if ((await this.keys.live()).some((k) => k.keyId === token.keyId.toString('hex')))
          throw new TokenInvalid(`tokens[${index}] names a key that does not sign yet`, path);
        // Unknown keys are either purged (their epoch ended) or never ours; neither is redeemed.
        throw new TokenKeyExpired(
          `tokens[${index}] was signed by a key whose epoch has ended, or by no key of this issuer`,
          path,
        );
      }
      if (!verifySignature(key.publicKey, token.input, token.authenticator))
        throw new TokenInvalid(`tokens[${index}] carries no valid signature`, path);
      accepted.push({ nonce: token.nonce.toString('hex'), key });
    }
    const amountMinor = accepted.reduce((sum, t) => sum + t.key.denominationMinor, 0);
    const pseudonym = this.hash.mailbox(mailboxId);
    // Spent nonces are kept until the last of their keys can no longer redeem.
    const forgetAfter = accepted
      .map((t) => t.key.redeemUntil)
      .sort()
      .at(-1)!;
    const request = { scope: `token-redemption:${pseudonym}`, body: encodedTokens };
    return this.idempotency.run(idempotencyKey, request, 201, async (tx) => {
      if (!(await MailboxRepository.lock(tx, pseudonym))) throw new MailboxNotFound();
      await this.refuseOverCap(tx, pseudonym, amountMinor);
      const fresh = await TokenBooksRepository.spend(
        tx,
        accepted.map((t) => t.nonce),
        forgetAfter,
      );
      if (fresh !== accepted.length)
        throw new TokenSpent(
          'At least one of these tokens was redeemed before; none was credited.',
        );
      for (const [denomination, tokens] of countBy(accepted.map((t) => t.key.denominationMinor)))
        await TokenBooksRepository.count(
          tx,
          'token_redeemed',
          today,
          denomination,
          this.config.currency,
          tokens,
        );
      await LedgerRepository.append(tx, {
        mailbox: pseudonym,
        kind: 'credit',
        channel: 'token',
        amountMinor,
        currency: this.config.currency,
        bookedOn: today,
      });
      if (this.config.webhook)
        await OutboxRepository.enqueueMany(
          tx,
          [{ mailbox: pseudonym, eventOn: today }],
          'balance.credited',
        );
      return {
        credited: { amountMinor, currency: this.config.currency },
        tokens: accepted.length,
      };
    });
  }

  /**
   * BALANCE_CAP_MINOR holds for tokens as for payments: refused before any
   * nonce is spent, so the tokens stay good for a mailbox with room. Counts
   * credits waiting for settlement, under the intake's lock of the mailbox.
   */
  private async refuseOverCap(tx: Tx, pseudonym: string, amountMinor: number): Promise<void> {
    const cap = this.config.balanceCapMinor;
    if (cap === undefined) return;
    await IntakeLocks.capOfMailbox(tx, pseudonym);
    const balance =
      (await LedgerRepository.balance(tx, pseudonym)) +
      (await PendingCreditRepository.sumFor(tx, pseudonym));
    if (balance + amountMinor > cap)
      throw new TokenCreditOverCap(
        `The tokens are worth ${amountMinor}; the balance with credits waiting is ${balance} and may not pass ${cap}. None was spent.`,
      );
  }

  /**
   * Daily: expired reserves go, what they still held is written off; spent
   * nonces and keys whose epoch of redemption has ended are forgotten.
   */
  async expire(): Promise<{ reserves: number; writtenOffMinor: number; nonces: number }> {
    const today = this.clock.today();
    return this.transactions.run(async (tx) => {
      let reserves = 0;
      let writtenOffMinor = 0;
      for (const off of await ReserveRepository.expire(tx, today)) {
        await TokenBooksRepository.writeOff(tx, today, off.currency, off.reserves, off.amountMinor);
        reserves += off.reserves;
        writtenOffMinor += off.amountMinor;
      }
      const nonces = await TokenBooksRepository.forgetSpent(tx, today);
      await TokenKeyRepository.purge(tx, today);
      return { reserves, writtenOffMinor, nonces };
    });
  }

  private reserveHash(code: string): string {
    const parsed = parseCode(code);
    if (!parsed.ok) throw notLive();
    return this.hash.code(parsed.canonical);
  }
}

const notLive = () =>
  new ReserveNotLive('No live reserve has this code: it expired, or was never issued.');

function countBy(values: readonly number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
