import { Module } from '@nestjs/common';
import { TopupCodesService } from './topup-codes.service';

/** Top-up codes: their format, issuance, lookup and purge. */
@Module({ providers: [TopupCodesService], exports: [TopupCodesService] })
export class CodesModule {}
