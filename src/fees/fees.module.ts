import { Module } from '@nestjs/common';
import { FeesJob } from './fees.job';
import { FeesService } from './fees.service';

/** The monthly fee: the daily run that debits it, and the plan it follows. */
@Module({ providers: [FeesService, FeesJob], exports: [FeesService] })
export class FeesModule {}
