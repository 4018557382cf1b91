import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { addDays, Day } from '../common/day';
import { DomainError } from '../common/domain-error';

export class ImplausibleDay extends DomainError {
  readonly slug = 'implausible-day';
  readonly status = 422;
  readonly title = 'The day lies in the future or too far in the past';
}

/**
 * The days a payment may carry: from PAYMENT_DAY_MAX_AGE_DAYS ago up to the
 * next UTC day, which has begun east of UTC (staff there enter letters after
 * their midnight). A day outside was mistyped: in the future it would be
 * credited, in the distant past purged by retention with the money still held.
 */
@Injectable()
export class PaymentDayWindow {
  constructor(
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** Throws ImplausibleDay naming `field`; nothing may be looked up or recorded before. */
  check(day: Day, field: string): void {
    const today = this.clock.today();
    const earliest = addDays(today, -this.config.paymentDayMaxAgeDays);
    const latest = addDays(today, 1);
    if (day >= earliest && day <= latest) return;
    throw new ImplausibleDay(
      `${field} must lie between ${earliest} and ${latest}; nothing was recorded.`,
      [{ path: field, message: day > latest ? 'lies in the future' : 'lies too far in the past' }],
    );
  }
}
