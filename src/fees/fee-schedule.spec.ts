import fc from 'fast-check';
import { addDays } from '../common/day';
import { FeeAccount, planFees } from './fee-schedule';

const terms = { feeMinor: 100, graceDays: 14 };
const opened = (anchorOn: string): FeeAccount => ({ anchorOn, periods: 0, suspendedOn: null });

/** Runs the plan day by day, as the daily job does, and returns the charged days. */
function runDaily(account: FeeAccount, balance: number, from: string, to: string) {
  const charged: string[] = [];
  let state = { account, balance };
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const plan = planFees(state.account, state.balance, terms, day);
    charged.push(...plan.charges);
    state = { account: plan.account, balance: plan.balance };
  }
  return { charged, ...state };
}

describe('planFees', () => {
  it('charges the first period on the registration day when the balance covers it', () => {
    const plan = planFees(opened('2026-03-10'), 1200, terms, '2026-03-10');
    expect(plan.charges).toEqual(['2026-03-10']);
    expect(plan.balance).toBe(1100);
    expect(plan.status).toBe('active');
    // One period charged and eleven prepaid: twelve months, to the day before.
    expect(plan.paidUntil).toBe('2027-03-09');
    expect(plan.nextDueOn).toBe('2026-04-10');
  });

  it('counts periods from the anchor across month ends: 31st, 28th, 31st, 30th', () => {
    const { charged } = runDaily(opened('2027-01-31'), 10_000, '2027-01-31', '2027-05-31');
    expect(charged).toEqual(['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30', '2027-05-31']);
  });

  it('charges on February 29th in a leap year and on the 28th in the years between', () => {
    const { charged } = runDaily(opened('2028-01-29'), 10_000, '2028-01-29', '2028-03-29');
    expect(charged).toEqual(['2028-01-29', '2028-02-29', '2028-03-29']);
    const leapAnchor = runDaily(opened('2028-02-29'), 100_000, '2028-02-29', '2032-02-29');
    expect(leapAnchor.charged).toContain('2029-02-28');
    expect(leapAnchor.charged).toContain('2030-02-28');
    expect(leapAnchor.charged).toContain('2032-02-29');
    expect(leapAnchor.charged).toContain('2028-03-29');
    expect(leapAnchor.charged).toHaveLength(49);
    const plan = planFees(opened('2028-01-31'), 100, terms, '2028-01-31');
    expect(plan.paidUntil).toBe('2028-02-28'); // period 2 begins on the 29th
  });

  it('charges each period once, whatever day the run is repeated on', () => {
    const once = planFees(opened('2026-05-31'), 500, terms, '2026-05-31');
    const again = planFees(once.account, once.balance, terms, '2026-05-31');
    expect(again.charges).toEqual([]);
    expect(again.account).toEqual(once.account);
    const nextDay = planFees(once.account, once.balance, terms, '2026-06-01');
    expect(nextDay.charges).toEqual([]);
  });

  it('catches up on every period missed while the job was down, from their own days', () => {
    const plan = planFees(opened('2026-01-15'), 1000, terms, '2026-04-20');
    expect(plan.charges).toEqual(['2026-01-15', '2026-02-15', '2026-03-15', '2026-04-15']);
    expect(plan.balance).toBe(600);
    expect(plan.paidUntil).toBe('2026-11-14');
  });

  it('opens a grace period when the balance cannot pay, then suspends once it runs out', () => {
    const paid = planFees(opened('2026-01-10'), 150, terms, '2026-01-10');
    expect(paid.balance).toBe(50);
    const due = planFees(paid.account, paid.balance, terms, '2026-02-10');
    expect(due.charges).toEqual([]);
    expect(due.status).toBe('grace');
    expect(due.paidUntil).toBe('2026-02-09');
    const lastGraceDay = planFees(paid.account, paid.balance, terms, '2026-02-23');
    expect(lastGraceDay.status).toBe('grace');
    expect(lastGraceDay.suspends).toBe(false);
    const over = planFees(paid.account, paid.balance, terms, '2026-02-24');
    expect(over.status).toBe('suspended');
    expect(over.suspends).toBe(true);
    expect(over.account.suspendedOn).toBe('2026-02-24');
    // Suspended is not charged, and suspends only once.
    const later = planFees(over.account, 50, terms, '2026-05-01');
    expect(later).toMatchObject({ charges: [], suspends: false, status: 'suspended' });
  });

  it('charges a period paid during its grace from its own day', () => {
    const due = planFees(opened('2026-01-10'), 0, terms, '2026-01-12');
    expect(due.status).toBe('grace');
    const paid = planFees(due.account, 1200, terms, '2026-01-20');
    expect(paid.charges).toEqual(['2026-01-10']);
    expect(paid.status).toBe('active');
    expect(paid.paidUntil).toBe('2027-01-09');
  });

  it('starts a new period on the day a suspended mailbox can pay again: no fees for the months it was off', () => {
    const suspended: FeeAccount = { anchorOn: '2026-01-10', periods: 1, suspendedOn: '2026-02-24' };
    const back = planFees(suspended, 300, terms, '2026-07-03');
    expect(back.charges).toEqual(['2026-07-03']);
    expect(back.account).toEqual({ anchorOn: '2026-07-03', periods: 1, suspendedOn: null });
    expect(back.status).toBe('active');
    expect(back.paidUntil).toBe('2026-10-02');
  });

  it('never takes a balance below zero and never charges a period twice (property)', () => {
    const day = fc.integer({ min: 0, max: 3000 }).map((n) => addDays('2026-01-01', n));
    fc.assert(
      fc.property(
        day,
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 1, max: 400 }),
        (anchor, balance, span) => {
          const { charged, balance: left } = runDaily(
            opened(anchor),
            balance,
            anchor,
            addDays(anchor, span),
          );
          expect(left).toBeGreaterThanOrEqual(0);
          expect(new Set(charged).size).toBe(charged.length);
          expect(balance - left).toBe(charged.length * terms.feeMinor);
        },
      ),
      { numRuns: 60 },
    );
  });
});
