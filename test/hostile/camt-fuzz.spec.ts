import { Readable } from 'node:stream';
import fc from 'fast-check';
import { CamtError, readCamt } from '../../src/bank/camt';
import { chunked, fixture } from '../bank/camt/camt-test.helpers';
import { liveMiB } from '../support/live-memory';

/** Runs of the mutation property; `npm run fuzz` raises it. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
/** Size of the streamed giants: 200 MiB here (about 6 s), 1 GiB under `npm run fuzz` (about 30 s). */
const MiB = 1024 * 1024;
const BIG_BYTES = Number(process.env.FUZZ_BIG_BYTES ?? 200 * MiB);

/** Small valid files of different versions and shapes (not the corpus). */
const SEEDS = [
  'camt053-v02-batch-3-details.xml',
  'camt054-v08-reversal.xml',
  'camt053-charges-fx.xml',
  'camt052-v01-btch-prtryacct.xml',
].map((name) => ({ name, bytes: fixture(name) }));

/** Reads to the end, counting (not keeping) transactions; the only error allowed is a CamtError. */
async function readThrough(input: Readable, fileName = 'fuzz.xml'): Promise<number | CamtError> {
  let n = 0;
  try {
    for await (const transaction of readCamt(input, { fileName })) if (transaction) n++;
    return n;
  } catch (error) {
    if (error instanceof CamtError) return error;
    throw error;
  }
}

type Mutation =
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'duplicate'; which: number; times: number }
  | { kind: 'nest'; at: number; depth: number; name: string }
  | { kind: 'delete'; at: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({
    kind: fc.constant('duplicate'),
    which: fc.nat(),
    times: fc.integer({ min: 1, max: 50 }),
  }),
  fc.record({
    kind: fc.constant('nest'),
    at: fc.nat(),
    depth: fc.integer({ min: 1, max: 200 }),
    name: fc.constantFrom('Ntry', 'Amt', 'Stmt', 'TxDtls', 'Ustrd', 'x:Y', 'Document'),
  }),
  fc.record({ kind: fc.constant('delete'), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
) as fc.Arbitrary<Mutation>;

/** Whole elements, leaves and blocks, found by their start tag and its matching end tag. */
function elements(text: string): [number, number][] {
  const found: [number, number][] = [];
  for (const match of text.matchAll(/<([A-Za-z][\w:]*)[^>]*>/g)) {
    const end = text.indexOf(`</${match[1]}>`, match.index);
    if (end > 0) found.push([match.index, end + match[1].length + 3]);
  }
  return found;
}

function mutate(bytes: Buffer, mutations: Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = (n: number) => n % out.length;
    if (m.kind === 'flip') {
      out[at(m.at)] = m.byte;
    } else if (m.kind === 'truncate') {
      out = out.subarray(0, at(m.at));
    } else if (m.kind === 'delete') {
      out = Buffer.concat([out.subarray(0, at(m.at)), out.subarray(at(m.at) + m.length)]);
    } else if (m.kind === 'duplicate') {
      const text = out.toString('latin1');
      const all = elements(text);
      if (all.length === 0) continue;
      const [start, end] = all[m.which % all.length];
      const copy = text.slice(start, end).repeat(m.times);
      out = Buffer.from(text.slice(0, end) + copy + text.slice(end), 'latin1');
    } else {
      // Inserted right after a '>' so it lands between elements, where it will be parsed.
      const text = out.toString('latin1');
      const gt = text.indexOf('>', at(m.at));
      const p = gt < 0 ? text.length : gt + 1;
      const nested = `<${m.name}>`.repeat(m.depth) + '1.00' + `</${m.name}>`.repeat(m.depth);
      out = Buffer.from(text.slice(0, p) + nested + text.slice(p), 'latin1');
    }
  }
  return out;
}

describe('mutated CAMT files', () => {
  it('the seeds are valid files', async () => {
    for (const seed of SEEDS)
      expect(await readThrough(chunked(seed.bytes), seed.name)).toBeGreaterThan(0);
  });

  it('end in transactions or a CamtError, and leave nothing held behind', async () => {
    const before = liveMiB();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SEEDS),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 4096 }),
        async (seed, mutations, chunkSize) => {
          const outcome = await readThrough(
            chunked(mutate(seed.bytes, mutations), chunkSize),
            seed.name,
          );
          expect(typeof outcome === 'number' || outcome instanceof CamtError).toBe(true);
        },
      ),
      { seed: 42, numRuns: RUNS },
    );
    expect(liveMiB() - before).toBeLessThan(16);
  });
});

describe('hostile CAMT files', () => {
  const header = (version = '053.001.08') =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.${version}">` +
    '<BkToCstmrStmt><GrpHdr><MsgId>BIG</MsgId><CreDtTm>2026-11-24T08:00:00</CreDtTm></GrpHdr>' +
    '<Stmt><Id>BIG-1</Id><Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>';
  const ENTRY =
    '<Ntry><Amt Ccy="EUR">12.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>' +
    '<BookgDt><Dt>2026-11-24</Dt></BookgDt><AcctSvcrRef>R</AcctSvcrRef><NtryDtls><TxDtls>' +
    '<RmtInf><Ustrd>TOPUP ABCD-EFGH-JKLM</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>';
  const FOOTER = '</Stmt></BkToCstmrStmt></Document>';

  /**
   * head, then `body` repeated until `bytes` are out, then tail: generated, never on
   * disk. Live memory above its level at the start is sampled every 16 MiB pulled.
   */
  function stream(head: string, body: string, tail: string, bytes: number) {
    const chunk = Buffer.from(body.repeat(Math.ceil(MiB / body.length)));
    const heapBefore = liveMiB();
    const seen = { sent: 0, peakMiB: 0 };
    const input = Readable.from(
      (function* () {
        yield Buffer.from(head);
        while (seen.sent < bytes) {
          seen.sent += chunk.length;
          if (seen.sent % (16 * MiB) < chunk.length)
            seen.peakMiB = Math.max(seen.peakMiB, liveMiB() - heapBefore);
          yield chunk;
        }
        yield Buffer.from(tail);
      })(),
    );
    return { input, seen };
  }

  it.each(['xxe.xml', 'billion-laughs.xml'])('refuses %s with a typed error', async (name) => {
    const result = await readThrough(chunked(fixture(name)), name);
    expect(result).toBeInstanceOf(CamtError);
    expect((result as CamtError).code).toBe('camt.doctype-forbidden');
  });

  it('refuses an external entity in a parameter-less DOCTYPE, too', async () => {
    const xml = `<?xml version="1.0"?>\n<!DOCTYPE Document SYSTEM "http://127.0.0.1:1/x.dtd">\n${header().split('\n')[1]}${FOOTER}`;
    const result = await readThrough(chunked(Buffer.from(xml)));
    expect((result as CamtError).code).toBe('camt.doctype-forbidden');
  });

  it('refuses 10,000 levels of nesting as too deep, without reading on to the end', async () => {
    const depth = 10_000;
    const xml = Buffer.from(header() + '<Ntry>'.repeat(depth) + '</Ntry>'.repeat(depth) + FOOTER);
    const chunk = 256;
    let pulled = 0;
    const input = Readable.from(
      (function* () {
        for (let at = 0; at < xml.length; at += chunk) {
          pulled += chunk;
          yield xml.subarray(at, at + chunk);
        }
      })(),
    );
    const result = await readThrough(input);
    expect(result).toBeInstanceOf(CamtError);
    expect((result as CamtError).code).toBe('camt.nesting-too-deep');
    // The refusal comes where the depth is passed, not after the last of 130 kB.
    expect(pulled).toBeLessThan(32 * 1024);
  });

  it(`streams ${Math.round(BIG_BYTES / MiB)} MiB of entries in bounded memory`, async () => {
    const { input, seen } = stream(header(), ENTRY, FOOTER, BIG_BYTES);
    const result = await readThrough(input);
    expect(result).toBeGreaterThan(BIG_BYTES / ENTRY.length / 2);
    expect(seen.sent).toBeGreaterThanOrEqual(BIG_BYTES);
    expect(seen.peakMiB).toBeLessThan(32);
  }, 600_000);

  it('reads past a million prefixes declared and dropped again in bounded memory', async () => {
    // Sibling elements before the Document, each binding a thousand prefixes of its own.
    const siblings = 2000;
    const heapBefore = liveMiB();
    let peakMiB = 0;
    const input = Readable.from(
      (function* () {
        yield Buffer.from('<?xml version="1.0"?>\n<Env>');
        for (let e = 0; e < siblings; e++) {
          let element = '<E';
          for (let i = 0; i < 1000; i++) element += ` xmlns:e${e}p${i}="urn:x"`;
          yield Buffer.from(`${element}/>\n`);
          if (e % 100 === 0) peakMiB = Math.max(peakMiB, liveMiB() - heapBefore);
        }
        yield Buffer.from(header().split('\n')[1] + ENTRY + FOOTER + '</Env>');
      })(),
    );
    expect(await readThrough(input)).toBe(1);
    expect(peakMiB).toBeLessThan(16);
  }, 120_000);

  /**
   * saxes gathers the whole text of a node before it emits it, so an endless
   * text node would grow memory with the file (near 512 MiB: an untyped
   * RangeError). The reader refuses a text node over MAX_TEXT_CHARS.
   */
  it(`reads an endless text node of ${Math.round(BIG_BYTES / MiB)} MiB in bounded memory or refuses it`, async () => {
    const open = header() + ENTRY.slice(0, ENTRY.indexOf('</Ustrd>'));
    const close = ENTRY.slice(ENTRY.indexOf('</Ustrd>')) + FOOTER;
    const { input, seen } = stream(open, 'a'.repeat(1024), close, BIG_BYTES);
    const result = await readThrough(input);
    expect(typeof result === 'number' || result instanceof CamtError).toBe(true);
    expect(seen.peakMiB).toBeLessThan(32);
  }, 600_000);
});
