import { Module } from '@nestjs/common';
import { HttpModule } from '../http/http.module';
import { PaymentsModule } from './payments.module';
import { UnmatchedController } from './unmatched.controller';
import { UnmatchedService } from './unmatched.service';

/** Staff's queue of payments the intake could not credit, and their resolution. */
@Module({
  imports: [PaymentsModule, HttpModule],
  controllers: [UnmatchedController],
  providers: [UnmatchedService],
})
export class UnmatchedModule {}
