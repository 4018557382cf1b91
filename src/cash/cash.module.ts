import { Module } from '@nestjs/common';
import { HttpModule } from '../http/http.module';
import { PaymentsModule } from '../payments/payments.module';
import { CashController } from './cash.controller';
import { CashService } from './cash.service';

/** Cash letters, one by one and in batches. */
@Module({
  imports: [PaymentsModule, HttpModule],
  controllers: [CashController],
  providers: [CashService],
  exports: [CashService],
})
export class CashModule {}
