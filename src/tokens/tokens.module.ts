import { Module } from '@nestjs/common';
import { CodesModule } from '../codes/codes.module';
import { HttpModule } from '../http/http.module';
import { IssuerDirectoryController } from './issuer-directory.controller';
import { ReserveLimit } from './reserve-limit';
import { TokenKeys } from './token-keys.service';
import { RedemptionsController, ReservesController } from './tokens.controller';
import { TokensJob } from './tokens.job';
import { TokensReportController } from './tokens-report.controller';
import { TokensReportService } from './tokens-report.service';
import { TokensService } from './tokens.service';
import { TopupPageController } from './topup-page.controller';

/**
 * Blind-signed top-ups (issue 16, docs/decisions/0011-blind-signed-tokens.md):
 * reserves, withdrawals, redemptions, the issuer directory, the top-up page.
 */
@Module({
  imports: [CodesModule, HttpModule],
  controllers: [
    ReservesController,
    RedemptionsController,
    IssuerDirectoryController,
    TokensReportController,
    TopupPageController,
  ],
  providers: [TokenKeys, TokensService, TokensReportService, ReserveLimit, TokensJob],
  exports: [TokenKeys, TokensService],
})
export class TokensModule {}
