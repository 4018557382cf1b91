import { Module } from '@nestjs/common';
import { CodesModule } from '../codes/codes.module';
import { HttpModule } from '../http/http.module';
import { PaymentsModule } from '../payments/payments.module';
import { PayPalModule } from '../paypal/paypal.module';
import { MaintenanceJob } from './maintenance.job';
import { RetentionService } from './retention.service';

/** The daily purge: what is kept no longer than it must be. */
@Module({
  imports: [CodesModule, HttpModule, PaymentsModule, PayPalModule],
  providers: [RetentionService, MaintenanceJob],
  exports: [MaintenanceJob],
})
export class RetentionModule {}
