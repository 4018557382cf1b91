import { Day } from '../common/day';
import { Tx } from '../database/tx';

export interface StoredTokenKey {
  keyId: string;
  denominationMinor: number;
  currency: string;
  /** The RFC 9578 token key: SPKI with id-RSASSA-PSS, base64url. */
  publicKey: string;
  /** PKCS #8, AES-256-GCM under the token-key subkey of SECRET_KEY, base64. */
  privateKey: string;
  notBefore: Day;
  signUntil: Day;
  redeemUntil: Day;
}

interface Row {
  key_id: string;
  denomination_minor: number | string;
  currency: string;
  public_key: string;
  private_key: string;
  not_before: string;
  sign_until: string;
  redeem_until: string;
}

const fromRow = (r: Row): StoredTokenKey => ({
  keyId: r.key_id,
  denominationMinor: Number(r.denomination_minor),
  currency: r.currency,
  publicKey: r.public_key,
  privateKey: r.private_key,
  notBefore: r.not_before,
  signUntil: r.sign_until,
  redeemUntil: r.redeem_until,
});

/** The issuer's keys: one per denomination and epoch, kept until their tokens can no longer be redeemed. */
export const TokenKeyRepository = {
  /** Keys whose tokens are still redeemed today (those that sign among them). */
  async live(tx: Tx, today: Day): Promise<StoredTokenKey[]> {
    const rows = await tx.query<Row>(
      'SELECT * FROM token_key WHERE redeem_until >= $1 ORDER BY denomination_minor, not_before',
      [today],
    );
    return rows.map(fromRow);
  },

  /** False when a key of that denomination already begins on that day (a second rotation). */
  async insert(tx: Tx, key: StoredTokenKey): Promise<boolean> {
    const n = await tx.execute(
      `INSERT INTO token_key (key_id, denomination_minor, currency, public_key, private_key, not_before, sign_until, redeem_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [
        key.keyId,
        key.denominationMinor,
        key.currency,
        key.publicKey,
        key.privateKey,
        key.notBefore,
        key.signUntil,
        key.redeemUntil,
      ],
    );
    return n === 1;
  },

  /** Ends the signing of a denomination's keys before `day`; their tokens stay redeemable. */
  async stopSigning(
    tx: Tx,
    denominationMinor: number,
    currency: string,
    before: Day,
    lastDay: Day,
  ): Promise<void> {
    await tx.execute(
      `UPDATE token_key SET sign_until = $4
        WHERE denomination_minor = $1 AND currency = $2 AND not_before < $3 AND sign_until >= $3`,
      [denominationMinor, currency, before, lastDay],
    );
  },

  /** Keys whose tokens can no longer be redeemed: nothing needs them. */
  async purge(tx: Tx, today: Day): Promise<number> {
    return tx.execute('DELETE FROM token_key WHERE redeem_until < $1', [today]);
  },
};
