import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A random token for a cookie or a link: 32 bytes, base64url. */
export const newToken = () => randomBytes(32).toString('base64url');

/**
 * AES-256-GCM under subkeys of SECRET_KEY, bound to a context (the row's id):
 * TOTP secrets and the letters of a batch that waits for its second person are
 * kept so that a stolen database alone reads neither (invariant 2).
 */
@Injectable()
export class StaffSecrets {
  private readonly keys = new Map<string, Buffer>();

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  private key(purpose: string): Buffer {
    let key = this.keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.config.secretKey, Buffer.alloc(0), purpose, 32));
      this.keys.set(purpose, key);
    }
    return key;
  }

  seal(purpose: string, context: string, plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(purpose), iv);
    cipher.setAAD(Buffer.from(context));
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  open(purpose: string, context: string, sealed: string): string {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key(purpose), bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** The CSRF token of a session: derived, so nothing more is stored. */
  csrfToken(sessionId: string): string {
    return createHash('sha256')
      .update(this.key('billing/staff-csrf'))
      .update(sessionId)
      .digest('base64url');
  }
}
