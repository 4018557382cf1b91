import { Module } from '@nestjs/common';
import { PaymentDayWindow } from './payment-day';
import { PaymentIntake } from './payment-intake';
import { Settlement } from './settlement/settlement.service';

/** The one path for money: the intake every channel hands payments to, and settlement. */
@Module({
  providers: [PaymentIntake, Settlement, PaymentDayWindow],
  exports: [PaymentIntake, Settlement, PaymentDayWindow],
})
export class PaymentsModule {}
