import { createHmac, hkdfSync } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from './app-config';

/**
 * Keyed one-way names for the two things that must never be stored in clear:
 * top-up codes and mailbox ids (DESIGN.md, invariant 2). Each purpose gets its
 * own subkey, so a hash of one kind never equals a hash of another. Without the
 * secret, a stolen database names no code and no mailbox.
 */
@Injectable()
export class KeyedHash {
  private readonly codeKey: Buffer;
  private readonly mailboxKey: Buffer;
  private readonly requestKey: Buffer;

  constructor(@Inject(AppConfig) config: AppConfig) {
    const derive = (purpose: string) =>
      Buffer.from(hkdfSync('sha256', config.secretKey, Buffer.alloc(0), purpose, 32));
    this.codeKey = derive('billing/top-up-code');
    this.mailboxKey = derive('billing/mailbox-id');
    this.requestKey = derive('billing/idempotent-request');
  }

  code(canonicalCode: string): string {
    return createHmac('sha256', this.codeKey).update(canonicalCode).digest('hex');
  }

  mailbox(mailboxId: string): string {
    return createHmac('sha256', this.mailboxKey).update(mailboxId).digest('hex');
  }

  request(...parts: string[]): string {
    const hmac = createHmac('sha256', this.requestKey);
    for (const part of parts) hmac.update(`${part.length}:${part}`);
    return hmac.digest('hex');
  }
}
