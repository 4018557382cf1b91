import { Module } from '@nestjs/common';
import { Idempotency } from './idempotency';

/** HTTP plumbing that rooms' services use: idempotent requests. */
@Module({ providers: [Idempotency], exports: [Idempotency] })
export class HttpModule {}
