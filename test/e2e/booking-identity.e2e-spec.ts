import { count, creditedTo, issueCode, registerMailbox } from '../support/builders';
import { aBankRef, aCamtDocument, AnEntry } from '../support/camt-builder';
import { settleNow } from '../support/settle';
import { startTestApp, TestApp } from '../support/test-app';

type Message = '052' | '053' | '054';
/** Which of its two references a message gives for the booking. */
type Refs = 'none' | 'entry' | 'detail' | 'both';
const REFS: Refs[] = ['none', 'entry', 'detail', 'both'];

/** Every way of giving references to one booking in each of these messages. */
function combinations(messages: Message[]): Refs[][] {
  return messages.reduce<Refs[][]>(
    (all) => all.flatMap((prefix) => REFS.map((r) => [...prefix, r])),
    [[]],
  );
}

/**
 * The same booking reaches the service in camt.052 (intraday), camt.054
 * (notification) and camt.053 (statement), each time with the references that
 * message happens to carry: the entry's AcctSvcrRef, the detail's, both or
 * none (docs/decisions/0008-booking-identity.md). It is one payment, credited
 * once, whatever the combination and the order; bookings that are different
 * stay different.
 */
describe('one bank booking across camt.052, .054 and .053', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const upload = async (xml: string) => {
    const res = await t.http
      .post('/v1/bank-statements')
      .set(t.auth('importer'))
      .set('content-type', 'application/xml')
      .send(xml);
    expect(res.status, res.text).toBe(201);
    return res.body.credits as { credited: number; unmatched: number; duplicate: number };
  };
  const journalRows = () => count(t, 'payment', "channel = 'bank'");
  const bankCredits = () => count(t, 'ledger_entry', "channel = 'bank'");

  for (const order of [
    ['052', '054', '053'],
    ['053', '054', '052'],
    ['052', '053'],
    ['054', '053'],
    ['052', '054'],
  ] as Message[][]) {
    const combos = combinations(order);
    it(`is one payment in camt.${order.join(' then camt.')}, for all ${combos.length} combinations of entry and detail references`, async () => {
      const bookings = [];
      for (const refs of combos) {
        const id = await registerMailbox(t);
        bookings.push({
          id,
          code: await issueCode(t, id),
          refs,
          entry: aBankRef(),
          detail: aBankRef(),
        });
      }
      const journalBefore = await journalRows();
      const creditsBefore = await bankCredits();
      for (const [m, message] of order.entries()) {
        const entries: AnEntry[] = bookings.map((b) => ({
          ref: b.refs[m] === 'entry' || b.refs[m] === 'both' ? b.entry : null,
          detailRef: b.refs[m] === 'detail' || b.refs[m] === 'both' ? b.detail : null,
          ustrd: [`Aufladung ${b.code}`],
          debtorIban: 'DE89370400440532013000',
        }));
        const report = await upload(aCamtDocument(entries, { type: message }));
        if (m === 0)
          expect(report).toEqual({ credited: combos.length, unmatched: 0, duplicate: 0 });
        else
          expect(report, `camt.${message}: ${JSON.stringify(report)}`).toEqual({
            credited: 0,
            unmatched: 0,
            duplicate: combos.length,
          });
      }
      // No money counted twice, none lost: one journal row and one credit per booking.
      expect(await journalRows()).toBe(journalBefore + combos.length);
      await settleNow(t);
      expect(await bankCredits()).toBe(creditsBefore + combos.length);
      for (const b of bookings.slice(0, 4)) expect(await creditedTo(t, b.id)).toBe(1200);
    });
  }

  it('is one payment to a token reserve in camt.052 then camt.053 with other references', async () => {
    const reserve = await t.http.post('/v1/token-reserves').send({});
    expect(reserve.status, reserve.text).toBe(201);
    const code: string = reserve.body.code;
    const booking: AnEntry = { ustrd: [`Aufladung ${code}`], amount: '15.00' };
    const journalBefore = await journalRows();
    expect(await upload(aCamtDocument([{ ...booking, ref: null }], { type: '052' }))).toEqual({
      credited: 1,
      unmatched: 0,
      duplicate: 0,
    });
    expect(await upload(aCamtDocument([{ ...booking, ref: aBankRef() }]))).toEqual({
      credited: 0,
      unmatched: 0,
      duplicate: 1,
    });
    expect(await journalRows()).toBe(journalBefore + 1);
    const balance = await t.http.post('/v1/token-reserves/balance').send({ code });
    expect(balance.body.balance).toEqual({ amountMinor: 1500, currency: 'EUR' });
  });

  it('is one unmatched payment in camt.052 then camt.053 with other references', async () => {
    // No code: the booking goes to staff, and must reach them once.
    const booking: AnEntry = {
      ustrd: ['Mailbox Anna'],
      amount: '14.00',
      debtorIban: 'DE89370400440532013000',
    };
    const journalBefore = await journalRows();
    expect(
      await upload(
        aCamtDocument([{ ...booking, ref: aBankRef(), detailRef: null }], { type: '052' }),
      ),
    ).toEqual({ credited: 0, unmatched: 1, duplicate: 0 });
    expect(await upload(aCamtDocument([{ ...booking, ref: null, detailRef: aBankRef() }]))).toEqual(
      { credited: 0, unmatched: 0, duplicate: 1 },
    );
    expect(await journalRows()).toBe(journalBefore + 1);
  });

  it('finds a booking by a reference it learnt from a later message, once its texts differ', async () => {
    // Each booking first comes with one kind of reference, then again with the other
    // kind only and the same texts (found by its content: the record learns the new
    // reference), then with that reference and other texts (found only by what it learnt).
    const journalBefore = await journalRows();
    const bookings: {
      id: string;
      code: string;
      first: 'entry' | 'detail';
      entry: string;
      detail: string;
    }[] = [];
    for (const first of ['entry', 'detail'] as const) {
      const id = await registerMailbox(t);
      bookings.push({
        id,
        code: await issueCode(t, id),
        first,
        entry: aBankRef(),
        detail: aBankRef(),
      });
    }
    const message = (
      type: Message,
      refs: (b: (typeof bookings)[number]) => Partial<AnEntry>,
      text = '',
    ) =>
      aCamtDocument(
        bookings.map((b) => ({
          ustrd: [`Aufladung ${b.code}${text}`],
          debtorIban: 'DE89370400440532013000',
          ...refs(b),
        })),
        { type },
      );
    const firstRefs = (b: (typeof bookings)[number]) =>
      b.first === 'entry' ? { ref: b.entry, detailRef: null } : { ref: null, detailRef: b.detail };
    const otherRefs = (b: (typeof bookings)[number]) =>
      b.first === 'entry' ? { ref: null, detailRef: b.detail } : { ref: b.entry, detailRef: null };
    expect(await upload(message('052', firstRefs))).toEqual({
      credited: 2,
      unmatched: 0,
      duplicate: 0,
    });
    expect(await upload(message('054', otherRefs))).toEqual({
      credited: 0,
      unmatched: 0,
      duplicate: 2,
    });
    expect(await upload(message('053', otherRefs, ' Danke'))).toEqual({
      credited: 0,
      unmatched: 0,
      duplicate: 2,
    });
    expect(await journalRows()).toBe(journalBefore + 2);
    await settleNow(t);
    for (const b of bookings) expect(await creditedTo(t, b.id)).toBe(1200);
  });

  it('keeps bookings apart that say the same but are different: twice in one file, or in two notifications with other references', async () => {
    const same: AnEntry = {
      ustrd: ['Spende'],
      amount: '5.00',
      debtorName: 'Erika Mustermann',
      debtorIban: 'DE89370400440532013000',
    };
    const before = await journalRows();
    // Twice in one statement without references: two bookings.
    expect(
      await upload(
        aCamtDocument([
          { ...same, ref: null },
          { ...same, ref: null },
        ]),
      ),
    ).toEqual({
      credited: 0,
      unmatched: 2,
      duplicate: 0,
    });
    // The same two again: nothing new.
    expect(
      (
        await upload(
          aCamtDocument([
            { ...same, ref: null },
            { ...same, ref: null },
          ]),
        )
      ).duplicate,
    ).toBe(2);
    // Two notifications, each one booking, with entry references that differ: two bookings.
    const other: AnEntry = { ...same, amount: '6.00' };
    for (const ref of [aBankRef(), aBankRef()])
      expect((await upload(aCamtDocument([{ ...other, ref }], { type: '054' }))).unmatched).toBe(1);
    // …and with detail references that differ.
    const third: AnEntry = { ...same, amount: '7.00' };
    for (const detailRef of [aBankRef(), aBankRef()])
      expect(
        (await upload(aCamtDocument([{ ...third, ref: null, detailRef }], { type: '054' })))
          .unmatched,
      ).toBe(1);
    // A booking seen intraday, then the statement with it and a second like it.
    const fourth: AnEntry = { ...same, amount: '8.00', ref: null };
    expect((await upload(aCamtDocument([fourth], { type: '052' }))).unmatched).toBe(1);
    expect(await upload(aCamtDocument([fourth, fourth]))).toEqual({
      credited: 0,
      unmatched: 1,
      duplicate: 1,
    });
    expect(await journalRows()).toBe(before + 2 + 2 + 2 + 2);
  });
});
