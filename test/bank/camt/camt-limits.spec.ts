import { Readable } from 'node:stream';
import { CamtError, readCamt } from '../../../src/bank/camt';
import {
  MAX_ATTRIBUTES,
  MAX_DEPTH,
  MAX_ENTRY_CHARS,
  MAX_NAME_CHARS,
} from '../../../src/bank/camt/camt-document.handler';
import {
  LENGTH_TOLERANCE,
  MAX_CREDITOR_REFERENCES,
  MAX_DETAILS,
  MAX_USTRD,
} from '../../../src/bank/camt/camt-fields.map';
import {
  manyCreditorReferences,
  manyDetails,
  manyNamespaces,
  manyUstrd,
  repeated,
  splitRemittance,
  statementHead,
  statementTail,
} from '../../support/camt-hostile';
import { anEntry, camtDocument, readAll, readError, V08 } from './camt-test.helpers';

const MiB = 1024 * 1024;
const USTRD_CHARS = 140 * LENGTH_TOLERANCE;

/**
 * Reads a generated stream to its end or its refusal, one chunk ahead at most,
 * and tells how much of it the reader pulled: a refusal that comes after the
 * whole stream was read bounds nothing.
 */
async function readStream(chunks: Iterable<Buffer>, total?: number) {
  let pulled = 0;
  const input = Readable.from(
    (function* () {
      for (const chunk of chunks) {
        pulled += chunk.length;
        yield chunk;
      }
    })(),
    { highWaterMark: 1 },
  );
  let transactions = 0;
  let error: CamtError | undefined;
  try {
    for await (const t of readCamt(input, { fileName: 'hostile.xml' })) if (t) transactions++;
  } catch (caught) {
    if (!(caught instanceof CamtError)) throw caught;
    error = caught;
  }
  return { transactions, error, pulled, total };
}

/** A document with one detail whose RmtInf holds `remittance`. */
const withRemittance = (remittance: string) =>
  camtDocument(
    V08,
    anEntry(`<NtryDtls><TxDtls><RmtInf>${remittance}</RmtInf></TxDtls></NtryDtls>`),
  );

describe('readCamt: remittance text cut into pieces', () => {
  it.each([
    ['comments', (piece: string) => `${piece}<!-- x -->`],
    ['CDATA sections', (piece: string) => `<![CDATA[${piece}]]>`],
  ])(
    'joins a Ustrd cut by %s up to four times its schema length, and refuses it beyond, naming the line',
    async (_how, cut) => {
      const pieces = (chars: number) =>
        Array.from({ length: chars / 40 }, () => cut('k'.repeat(40)));
      const fits = await readAll(withRemittance(`<Ustrd>${pieces(USTRD_CHARS).join('')}</Ustrd>`));
      expect(fits.transactions[0].remittance.unstructured).toBe('k'.repeat(USTRD_CHARS));

      const over = pieces(USTRD_CHARS + 40).join('\n');
      const error = await readError(withRemittance(`<Ustrd>${over}</Ustrd>`));
      expect(error.code).toBe('camt.field-too-long');
      expect(error.message).toMatch(/^test\.xml:\d+: Ustrd is longer than 560 characters$/);
      // The line where the text passed the limit, inside the Ustrd.
      expect(error.line).toBeGreaterThan(USTRD_CHARS / 40 + 3);
    },
  );

  it.each(['comment', 'cdata'] as const)(
    'refuses 60 M characters of Ustrd cut by %s within its first MiB',
    async (splitter) => {
      const bytes = 60 * MiB;
      const { error, pulled } = await readStream(splitRemittance(bytes, 1024, splitter));
      expect(error?.code).toBe('camt.field-too-long');
      expect(pulled).toBeLessThan(3 * MiB);
    },
  );

  it('refuses a Ustrd made whole by character references at the text node limit', async () => {
    const { error, pulled } = await readStream(splitRemittance(60 * MiB, 1024, 'entity'));
    expect([error?.code, error?.detail]).toEqual([
      'camt.text-too-long',
      `a text node is longer than ${1024 * 1024} characters`,
    ]);
    expect(pulled).toBeLessThan(4 * MiB);
  });
});

describe('readCamt: repeated elements', () => {
  it(`keeps ${MAX_USTRD} Ustrd of one detail and refuses the ${MAX_USTRD + 1}th`, async () => {
    const lines = (n: number) =>
      Array.from({ length: n }, (_, i) => `<Ustrd>L${i}</Ustrd>`).join('');
    const fits = await readAll(withRemittance(lines(MAX_USTRD)));
    expect(fits.transactions[0].remittance.unstructuredParts).toHaveLength(MAX_USTRD);

    const error = await readError(withRemittance(lines(MAX_USTRD + 1)));
    expect([error.code, error.detail]).toEqual([
      'camt.too-many-repeats',
      `more than ${MAX_USTRD} Ustrd in one record`,
    ]);
  });

  it('refuses a million Ustrd of one detail without reading them all', async () => {
    const { error, pulled } = await readStream(manyUstrd(1_000_000));
    expect(error?.code).toBe('camt.too-many-repeats');
    expect(pulled).toBeLessThan(3 * MiB);
  });

  it(`refuses more than ${MAX_CREDITOR_REFERENCES} creditor references in one detail`, async () => {
    const { error, pulled } = await readStream(manyCreditorReferences(100_000));
    expect([error?.code, error?.detail]).toEqual([
      'camt.too-many-repeats',
      `more than ${MAX_CREDITOR_REFERENCES} CdtrRefInf in one record`,
    ]);
    expect(pulled).toBeLessThan(3 * MiB);
  });

  it(`reads ${MAX_DETAILS} details of one entry and refuses more`, async () => {
    const fits = await readStream(manyDetails(MAX_DETAILS));
    expect(fits).toMatchObject({ transactions: MAX_DETAILS, error: undefined });

    const { error } = await readStream(manyDetails(MAX_DETAILS + 1));
    expect([error?.code, error?.detail]).toEqual([
      'camt.too-many-repeats',
      `more than ${MAX_DETAILS} TxDtls in one record`,
    ]);
  });

  it('counts the text of each entry apart: two entries of more than half the bound each are read', async () => {
    const detail = `<TxDtls><Amt Ccy="EUR">0.01</Amt><RmtInf><Ustrd>${'u'.repeat(500)}</Ustrd></RmtInf></TxDtls>`;
    const details = Math.ceil(MAX_ENTRY_CHARS / 2 / 500) + 1;
    const entry = `<Ntry><Amt Ccy="EUR">${(details / 100).toFixed(2)}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><NtryDtls>${detail.repeat(details)}</NtryDtls></Ntry>`;
    const { transactions } = await readAll(camtDocument(V08, `${entry}\n${entry}`));
    expect(transactions).toHaveLength(2 * details);
  });

  it('refuses an entry whose details hold more text in all than one entry may, naming the entry', async () => {
    const detail = `<TxDtls><Amt Ccy="EUR">0.01</Amt><RmtInf><Ustrd>${'u'.repeat(500)}</Ustrd></RmtInf></TxDtls>`;
    const details = Math.ceil(MAX_ENTRY_CHARS / 500) + 1;
    expect(details).toBeLessThan(MAX_DETAILS);
    const head = statementHead() + '<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>';
    const { error } = await readStream(
      repeated(
        `${head}<Sts><Cd>BOOK</Cd></Sts><NtryDtls>`,
        detail,
        `</NtryDtls></Ntry>${statementTail()}`,
        details * detail.length,
      ),
    );
    expect([error?.code, error?.line, error?.detail]).toEqual([
      'camt.entry-too-large',
      5,
      `an entry holds more than ${MAX_ENTRY_CHARS} characters of text`,
    ]);
  });
});

describe('readCamt: field lengths', () => {
  const detail = (inner: string) =>
    camtDocument(V08, anEntry(`<NtryDtls><TxDtls>${inner}</TxDtls></NtryDtls>`));

  it.each([
    ['Nm', 140, (v: string) => `<RltdPties><Dbtr><Pty><Nm>${v}</Nm></Pty></Dbtr></RltdPties>`],
    [
      'IBAN',
      34,
      (v: string) => `<RltdPties><DbtrAcct><Id><IBAN>${v}</IBAN></Id></DbtrAcct></RltdPties>`,
    ],
    ['AcctSvcrRef', 35, (v: string) => `<Refs><AcctSvcrRef>${v}</AcctSvcrRef></Refs>`],
    ['EndToEndId', 35, (v: string) => `<Refs><EndToEndId>${v}</EndToEndId></Refs>`],
    ['AddtlTxInf', 500, (v: string) => `<AddtlTxInf>${v}</AddtlTxInf>`],
  ])(
    'takes %s up to four times its schema length of %i, blanks around it aside, and refuses it beyond',
    async (element, length, write) => {
      const most = length * LENGTH_TOLERANCE;
      const fits = await readAll(detail(write(`\n      ${'x'.repeat(most)}\n    `)));
      expect(fits.transactions).toHaveLength(1);
      const error = await readError(detail(write('x'.repeat(most + 1))));
      expect([error.code, error.detail]).toEqual([
        'camt.field-too-long',
        `${element} is longer than ${most} characters`,
      ]);
    },
  );

  it('refuses an attribute it keeps when it is longer than its field may be', async () => {
    // At its longest it is read (and then refused as no currency).
    const longest = await readError(
      camtDocument(V08, anEntry('', `<Amt Ccy="${'E'.repeat(12)}">1.00</Amt>`)),
    );
    expect(longest.code).toBe('camt.invalid-amount');
    const error = await readError(
      camtDocument(V08, anEntry('', `<Amt Ccy="${'E'.repeat(13)}">1.00</Amt>`)),
    );
    expect([error.code, error.detail]).toEqual([
      'camt.field-too-long',
      'Amt@Ccy is longer than 12 characters',
    ]);
  });
});

describe('readCamt: what the XML parser gathers', () => {
  it(`refuses elements nested more than ${MAX_DEPTH} deep, also where it reads nothing`, async () => {
    const nest = (depth: number) => '<X>'.repeat(depth) + '</X>'.repeat(depth);
    // Document, message, statement, entry, details, detail: 6 levels before the nest.
    const fits = await readAll(
      camtDocument(V08, anEntry(`<NtryDtls><TxDtls>${nest(MAX_DEPTH - 6)}</TxDtls></NtryDtls>`)),
    );
    expect(fits.transactions).toHaveLength(1);
    const error = await readError(camtDocument(V08, anEntry(nest(MAX_DEPTH))));
    expect([error.code, error.detail]).toEqual([
      'camt.nesting-too-deep',
      `elements nest more than ${MAX_DEPTH} deep`,
    ]);
  });

  it('refuses an endless nest within its first MiB', async () => {
    const { error, pulled } = await readStream(
      repeated(statementHead(), '<Ntry>', statementTail(), 100 * MiB),
    );
    expect(error?.code).toBe('camt.nesting-too-deep');
    expect(pulled).toBeLessThan(3 * MiB);
  });

  it(`refuses an element with more than ${MAX_ATTRIBUTES} attributes`, async () => {
    const attributes = (n: number) => Array.from({ length: n }, (_, i) => ` a${i}="1"`).join('');
    const fits = await readAll(camtDocument(V08, anEntry(`<X${attributes(MAX_ATTRIBUTES)}/>`)));
    expect(fits.transactions).toHaveLength(1);
    const error = await readError(
      camtDocument(V08, anEntry(`<X${attributes(MAX_ATTRIBUTES + 1)}/>`)),
    );
    expect([error.code, error.line, error.detail]).toEqual([
      'camt.too-many-attributes',
      4,
      `an element has more than ${MAX_ATTRIBUTES} attributes`,
    ]);
  });

  it.each([
    ['an element name', (n: string) => `<${n}/>`],
    ['an attribute name', (n: string) => `<X ${n}="1"/>`],
    ['a processing instruction', (n: string) => `<?${n} x?>`],
  ])(`refuses %s longer than ${MAX_NAME_CHARS} characters`, async (_what, write) => {
    // Far longer than the limit: a name that ends within the chunk it passes the limit in is gone
    // from the parser's buffer before the reader looks.
    const name = 'N'.repeat(MAX_NAME_CHARS * 4);
    const xml = camtDocument(V08, anEntry(write(name)));
    // In chunks: the parser's buffers are looked at between chunks.
    const error = await readError(xml, 'test.xml', 256);
    expect([error.code, error.detail]).toEqual([
      'camt.name-too-long',
      `a name is longer than ${MAX_NAME_CHARS} characters`,
    ]);
  });
});

describe('readCamt: namespace declarations', () => {
  it('resolves a prefix to its innermost binding and gives the outer one back when that closes', async () => {
    const ns = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';
    const xml =
      `<?xml version="1.0"?>\n<c:Document xmlns:c="${ns}" xmlns:o="urn:other">\n` +
      `<c:BkToCstmrStmt><s:Stmt xmlns:c="urn:other" xmlns:s="${ns}">` +
      // Here c: is another namespace: this Ntry is not read.
      `<c:Ntry><s:Amt Ccy="EUR">9.00</s:Amt></c:Ntry>` +
      `<s:Ntry xmlns:c="${ns}"><c:Amt Ccy="EUR">1.00</c:Amt><s:CdtDbtInd>CRDT</s:CdtDbtInd>` +
      `<c:Sts><c:Cd>BOOK</c:Cd></c:Sts></s:Ntry>` +
      // Back to the Stmt's binding: c: is the other namespace again.
      `<c:Ntry><s:Amt Ccy="EUR">8.00</s:Amt></c:Ntry>` +
      `<s:Ntry><s:Amt Ccy="EUR">2.00</s:Amt><s:CdtDbtInd>CRDT</s:CdtDbtInd>` +
      `<s:Sts><s:Cd>BOOK</s:Cd></s:Sts><o:Ntry/></s:Ntry>` +
      `</s:Stmt></c:BkToCstmrStmt></c:Document>\n`;
    const { transactions, summary } = await readAll(xml, 'test.xml', 17);
    expect(transactions.map((t) => t.amountMinor)).toEqual([100, 200]);
    expect(summary.entries).toBe(2);
  });

  it('refuses a prefix once the element that bound it has closed', async () => {
    const xml = camtDocument(
      V08,
      `<Ntry xmlns:x="${V08}"><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>` +
        `<Sts><Cd>BOOK</Cd></Sts></Ntry>` +
        anEntry('<x:AcctSvcrRef>R</x:AcctSvcrRef>'),
    );
    const error = await readError(xml);
    expect(error.detail).toBe('unbound namespace prefix x');
  });

  it('refuses 200,000 declarations on the Document before it reads an entry', async () => {
    const { error, transactions, pulled } = await readStream(manyNamespaces(200_000, 20_000));
    expect([error?.code, transactions]).toEqual(['camt.too-many-attributes', 0]);
    expect(pulled).toBeLessThan(3 * MiB);
  });

  it(`reads ${MAX_ATTRIBUTES} declarations on each of many enclosing elements`, async () => {
    const levels = 50;
    const declarations = (level: number) =>
      Array.from({ length: MAX_ATTRIBUTES }, (_, i) => ` xmlns:p${level}x${i}="urn:x:${i}"`).join(
        '',
      );
    const open = Array.from({ length: levels }, (_, l) => `<Env${declarations(l)}>`).join('');
    const close = '</Env>'.repeat(levels);
    const body = Array.from({ length: 200 }, () => anEntry()).join('');
    const document = camtDocument(V08, body).replace('<Document', `${open}<Document`) + close;
    const { transactions } = await readAll(document);
    expect(transactions).toHaveLength(200);
  });
});
