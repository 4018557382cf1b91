import { Module } from '@nestjs/common';
import { CodeIssuer } from './code-issuer';
import { TopupCodesService } from './topup-codes.service';

/** Top-up codes: their format, issuance, lookup and purge. */
@Module({
  providers: [CodeIssuer, TopupCodesService],
  exports: [CodeIssuer, TopupCodesService],
})
export class CodesModule {}
