import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/**
 * Events must name the mailbox in clear, but the database may hold mailbox ids
 * only in a form that a stolen copy cannot read (DESIGN.md, invariant 2). So
 * the id is sealed with AES-256-GCM under its own subkey of SECRET_KEY, bound
 * to the mailbox's pseudonym (a sealed id copied onto another row opens to
 * nothing). Without the secret it names no mailbox, as the pseudonym names none.
 */
@Injectable()
export class MailboxIdSeal {
  private readonly key: Buffer;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.key = Buffer.from(
      hkdfSync('sha256', config.secretKey, Buffer.alloc(0), 'billing/mailbox-id-seal', 32),
    );
  }

  seal(mailboxId: string, pseudonym: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(pseudonym));
    const sealed = Buffer.concat([cipher.update(mailboxId, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  /** The mailbox id, or undefined when the seal is not one of ours for this pseudonym. */
  open(sealed: string, pseudonym: string): string | undefined {
    try {
      const bytes = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(pseudonym));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      return undefined;
    }
  }
}
