import { Injectable } from '@nestjs/common';
import { Day, dayOf } from './day';

/** The service's notion of today, in UTC. Tests replace it to move through time. */
@Injectable()
export class Clock {
  today(): Day {
    return dayOf(new Date());
  }
}
