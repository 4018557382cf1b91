import { takeAsBatch } from '../support/settle';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { findCodes } from '../../src/codes/code-finder';
import { ALPHABET, displayCode } from '../../src/codes/code-format';
import { KeyedHash } from '../../src/config/keyed-hash';
import { Transactions } from '../../src/database/transactions';
import { issueCode, registerMailbox } from '../support/builders';
import { startTestApp, TestApp } from '../support/test-app';

const MAILBOXES = 40;
/** Typo spellings paid through the intake per code; every one is checked by the finder. */
const PAID_PER_CODE = 3;

/** Every spelling one symbol away: each substitution and each swap of two neighbours. */
function oneTypoSpellings(canonical: string): string[] {
  const spellings: string[] = [];
  for (let i = 0; i < canonical.length; i++) {
    for (const symbol of ALPHABET) {
      if (symbol !== canonical[i])
        spellings.push(canonical.slice(0, i) + symbol + canonical.slice(i + 1));
    }
    if (i + 1 < canonical.length && canonical[i] !== canonical[i + 1])
      spellings.push(
        canonical.slice(0, i) + canonical[i + 1] + canonical[i] + canonical.slice(i + 2),
      );
  }
  return spellings;
}

describe('codes with a one-symbol typo', () => {
  let t: TestApp;
  /** canonical code -> pseudonym of the mailbox it was issued to. */
  const owners = new Map<string, string>();
  beforeAll(async () => {
    t = await startTestApp({ env: { CODE_ISSUE_LIMIT_PER_MINUTE: '100000' } });
    const hash = t.app.get(KeyedHash);
    for (let m = 0; m < MAILBOXES; m++) {
      const id = await registerMailbox(t);
      for (let c = 0; c < t.config.maxOpenCodes; c++) {
        const canonical = (await issueCode(t, id)).replaceAll('-', '');
        const [row] = await t.sql<{ mailbox: string }>(
          'SELECT mailbox FROM topup_code WHERE code_hash = $1',
          [hash.code(canonical)],
        );
        owners.set(canonical, row.mailbox);
      }
    }
  });
  afterAll(() => t.close());

  it('are never read by the finder as another live code (every spelling of every code)', () => {
    let spellings = 0;
    for (const canonical of owners.keys()) {
      for (const spelling of oneTypoSpellings(canonical)) {
        spellings++;
        const found = findCodes([`Aufladung ${displayCode(spelling)}`], { correctTypos: true });
        for (const sighting of [...found.exact, ...found.corrected]) {
          if (owners.has(sighting.canonical)) expect(sighting.canonical).toBe(canonical);
        }
      }
    }
    expect(spellings).toBeGreaterThan(owners.size * 370);
  });

  it('credit, when paid by bank transfer, only the mailbox the code belongs to', async () => {
    const transactions = t.app.get(Transactions);
    const credits = async () =>
      t.sql<{ id: string; mailbox: string; amount_minor: number | string }>(
        "SELECT id, mailbox, amount_minor FROM ledger_entry WHERE channel = 'bank'",
      );
    const seen = new Set((await credits()).map((row) => row.id));
    const codes = [...owners.keys()];
    // A seeded choice of spellings per code; the first credit takes the code, the
    // later ones find it gone and must then credit no one rather than a neighbour.
    const picks = fc.sample(
      fc.array(fc.nat(), { minLength: PAID_PER_CODE, maxLength: PAID_PER_CODE }),
      { numRuns: codes.length, seed: 42 },
    );
    let credited = 0;
    for (const [n, canonical] of codes.entries()) {
      const spellings = oneTypoSpellings(canonical);
      for (const pick of picks[n]) {
        const spelling = spellings[pick % spellings.length];
        const [outcome] = await transactions.run((tx) =>
          takeAsBatch(
            t.app,
            tx,
            [
              {
                channel: 'bank',
                externalRef: `TYPO-${randomUUID()}`,
                amountMinor: 100,
                currency: t.config.currency,
                bookedOn: t.clock.today(),
                texts: [`SVWZ+Guthaben ${displayCode(spelling).toLowerCase()}`],
                correctTypos: true,
              },
            ],
            t.clock.today(),
          ),
        );
        const fresh = (await credits()).filter((row) => !seen.has(row.id));
        fresh.forEach((row) => seen.add(row.id));
        if (outcome.status === 'credited') {
          credited++;
          expect(fresh.map((row) => row.mailbox)).toEqual([owners.get(canonical)]);
        } else {
          expect(fresh).toEqual([]);
        }
      }
    }
    // Most first spellings are corrected to their own code; the rest found it gone.
    expect(credited).toBeGreaterThan(codes.length / 2);
    expect(credited).toBeLessThanOrEqual(codes.length);
  });
});
