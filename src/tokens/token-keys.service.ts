import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  hkdfSync,
  KeyObject,
  randomBytes,
  webcrypto,
} from 'node:crypto';
import { promisify } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import { publicVerif } from '@cloudflare/privacypass-ts';
import { Clock } from '../common/clock';
import { addDays, Day } from '../common/day';
import { AppConfig } from '../config/app-config';
import { JOB_LOCKS, JobLock } from '../database/job-lock';
import { Transactions } from '../database/transactions';
import { StoredTokenKey, TokenKeyRepository } from './token-key.repository';

const generate = promisify(generateKeyPair);

/** A denomination key as the issuer uses it. */
export interface TokenKey {
  keyId: string;
  /** The last byte of the key id: how a token request names its key (RFC 9578, 6.1). */
  truncatedId: number;
  denominationMinor: number;
  currency: string;
  tokenKey: string;
  notBefore: Day;
  signUntil: Day;
  redeemUntil: Day;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/** How long the keys read from the database are trusted before they are read again. */
const RELOAD_MS = 60_000;

/**
 * The issuer's denomination keys: generated on first use each day where a
 * denomination has none that signs today, rotated by `tokens rotate`, read back (and decrypted)
 * from the database, so every instance signs with the same keys.
 */
@Injectable()
export class TokenKeys {
  private readonly sealKey: Buffer;
  private cache?: { loadedAt: number; day: Day; keys: TokenKey[] };

  constructor(
    @Inject(Transactions) private readonly transactions: Transactions,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(JobLock) private readonly lock: JobLock,
  ) {
    this.sealKey = Buffer.from(
      hkdfSync('sha256', config.secretKey, Buffer.alloc(0), 'billing/token-keys', 32),
    );
  }

  /**
   * Keys are made when first needed, not at start: a service (or a test) that
   * never serves tokens makes none, and no start waits for RSA key generation.
   */
  private ensured?: { day: Day; done: Promise<number> };

  /** Keys whose tokens are redeemed today; those that sign today among them. */
  async live(): Promise<TokenKey[]> {
    const today = this.clock.today();
    if (this.ensured?.day !== today) {
      const done = this.ensureSigning();
      this.ensured = { day: today, done };
      // A failure is tried again by the next caller.
      done.catch(() => (this.ensured = undefined));
    }
    await this.ensured.done;
    const cached = this.cache;
    if (cached && cached.day === today && Date.now() - cached.loadedAt < RELOAD_MS)
      return cached.keys;
    return this.reload();
  }

  async reload(): Promise<TokenKey[]> {
    const today = this.clock.today();
    const stored = await this.transactions.run((tx) => TokenKeyRepository.live(tx, today));
    const keys = stored.map((k) => this.open(k));
    this.cache = { loadedAt: Date.now(), day: today, keys };
    return keys;
  }

  /** The key that signs today with this truncated id, re-read once if none is known. */
  async signingKey(truncatedId: number): Promise<TokenKey | undefined> {
    const today = this.clock.today();
    const find = (keys: TokenKey[]) =>
      keys.find(
        (k) => k.truncatedId === truncatedId && k.notBefore <= today && today <= k.signUntil,
      );
    return find(await this.live()) ?? find(await this.reload());
  }

  /** The key with this id whose tokens are redeemed today, re-read once if none is known. */
  async redeemingKey(keyId: string): Promise<TokenKey | undefined> {
    const today = this.clock.today();
    const find = (keys: TokenKey[]) =>
      keys.find((k) => k.keyId === keyId && k.notBefore <= today && today <= k.redeemUntil);
    return find(await this.live()) ?? find(await this.reload());
  }

  /** Gives every denomination a key that signs today, where it has none. */
  async ensureSigning(): Promise<number> {
    return this.alone(() => this.makeMissing());
  }

  private async makeMissing(): Promise<number> {
    const today = this.clock.today();
    const keys = await this.reload();
    let tried = 0;
    let made = 0;
    for (const denomination of this.config.tokens.denominationsMinor) {
      const signing = keys.some(
        (k) =>
          k.denominationMinor === denomination &&
          k.currency === this.config.currency &&
          k.notBefore <= today &&
          today <= k.signUntil,
      );
      if (signing) continue;
      tried++;
      if (await this.create(denomination, today, keys)) made++;
      keys.splice(0, keys.length, ...(await this.reload()));
    }
    // Another instance may have won a denomination (its key, not ours, is stored): read them back.
    if (tried > 0) await this.reload();
    return made;
  }

  /**
   * A new key for every denomination, published at once and signing from
   * tomorrow: clients that read the directory today already know it. The keys
   * before it sign to the end of today; their tokens stay redeemable until
   * their epoch's redemption ends. A second rotation on one day changes nothing.
   */
  async rotate(): Promise<{ rotated: number }> {
    return this.alone(() => this.rotateNow());
  }

  /**
   * Keys are made by one instance at a time (an advisory lock on PostgreSQL):
   * each new key's one-byte id must differ from every other signing key's,
   * which only holds if whoever makes keys sees all the others. The others wait
   * and then read the keys made.
   */
  private async alone<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < 600; attempt++) {
      const outcome = await this.lock.run(JOB_LOCKS.tokenKeys, work);
      if (outcome.ran) return outcome.result;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('token keys: another instance kept the key lock for a minute');
  }

  private async rotateNow(): Promise<{ rotated: number }> {
    const tomorrow = addDays(this.clock.today(), 1);
    const keys = await this.reload();
    let rotated = 0;
    for (const denomination of this.config.tokens.denominationsMinor) {
      if (await this.create(denomination, tomorrow, keys, true)) rotated++;
      keys.splice(0, keys.length, ...(await this.reload()));
    }
    await this.reload();
    return { rotated };
  }

  private async create(
    denominationMinor: number,
    notBefore: Day,
    existing: readonly TokenKey[],
    rotate = false,
  ): Promise<boolean> {
    const { epochDays, redeemDays } = this.config.tokens;
    const signUntil = addDays(notBefore, epochDays - 1);
    // A token request names its key by one byte: no two keys that sign may share it.
    const today = this.clock.today();
    const taken = new Set(existing.filter((k) => k.signUntil >= today).map((k) => k.truncatedId));
    let pair: { publicKey: KeyObject; privateKey: KeyObject };
    let tokenKey: Buffer;
    let keyId: string;
    do {
      pair = await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
      tokenKey = await pssTokenKey(pair.publicKey);
      keyId = createHash('sha256').update(tokenKey).digest('hex');
    } while (taken.has(parseInt(keyId.slice(-2), 16)));
    const stored: StoredTokenKey = {
      keyId,
      denominationMinor,
      currency: this.config.currency,
      publicKey: tokenKey.toString('base64url'),
      privateKey: this.seal(keyId, pair.privateKey.export({ format: 'der', type: 'pkcs8' })),
      notBefore,
      signUntil,
      redeemUntil: addDays(signUntil, redeemDays),
    };
    return this.transactions.run(async (tx) => {
      if (rotate)
        await TokenKeyRepository.stopSigning(
          tx,
          denominationMinor,
          this.config.currency,
          notBefore,
          addDays(notBefore, -1),
        );
      return TokenKeyRepository.insert(tx, stored);
    });
  }

  private seal(keyId: string, pkcs8: Buffer): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    cipher.setAAD(Buffer.from(keyId, 'utf8'));
    const body = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  private open(stored: StoredTokenKey): TokenKey {
    const sealed = Buffer.from(stored.privateKey, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(stored.keyId, 'utf8'));
    decipher.setAuthTag(sealed.subarray(12, 28));
    const pkcs8 = Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
    const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    return {
      keyId: stored.keyId,
      truncatedId: parseInt(stored.keyId.slice(-2), 16),
      denominationMinor: stored.denominationMinor,
      currency: stored.currency,
      tokenKey: stored.publicKey,
      notBefore: stored.notBefore,
      signUntil: stored.signUntil,
      redeemUntil: stored.redeemUntil,
      publicKey: createPublicKey(privateKey),
      privateKey,
    };
  }
}

/**
 * The token key as RFC 9578 (6.5) publishes it: SubjectPublicKeyInfo with the
 * id-RSASSA-PSS algorithm and its SHA-384 parameters, encoded by the Privacy
 * Pass library so that its clients derive the same key id.
 */
export async function pssTokenKey(publicKey: KeyObject): Promise<Buffer> {
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const imported = await webcrypto.subtle.importKey(
    'spki',
    spki,
    { name: 'RSA-PSS', hash: 'SHA-384' },
    true,
    ['verify'],
  );
  return Buffer.from(await publicVerif.getPublicKeyBytes(imported));
}
