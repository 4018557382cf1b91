import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CamtError, readCamt, readCamtFile, type CamtTransaction } from '../../../src/bank/camt';
import {
  aTransaction,
  anEntry,
  camtDocument,
  chunked,
  expectCamtError,
  fixture,
  FIXTURES,
  readAll,
  readError,
  readFixture,
  V08,
} from './camt-test.helpers';

describe('readCamt: message type and version', () => {
  it('finds a prefixed camt.052.001.13 Document inside an envelope beside its AppHdr', async () => {
    const { transactions, summary } = await readFixture('camt052-v13-prefixed-with-apphdr.xml');

    expect(transactions).toEqual([
      aTransaction({
        messageType: 'camt.052',
        version: '001.13',
        statementId: 'RPT-1-1',
        accountIban: 'DE02120300000000202051',
        status: 'PDNG',
        bookingDate: '2024-05-02',
        valueDate: '2024-05-03',
        amountMinor: 2500,
        accountServicerRef: 'REF-0001',
        entryServicerRef: 'REF-0001',
        entryRef: 'E-1',
        endToEndId: 'E2E-0001',
        debtorName: 'Erika Mustermann',
        debtorIban: 'DE89370400440532013000',
        ultimateDebtorName: 'Max Mustermann',
        // The Ustrd of another namespace beside it is not CAMT and is left out.
        remittance: {
          unstructuredParts: ['TOPUP K7QX-M2PA'],
          unstructured: 'TOPUP K7QX-M2PA',
          creditorReferences: [],
        },
        bankTransactionCode: 'PMNT/RCDT/ESCT',
        line: 22,
      }),
    ]);
    expect(summary).toEqual({
      messageType: 'camt.052',
      version: '001.13',
      statements: 1,
      entries: 1,
      transactions: 1,
      warnings: [],
    });
  });

  const messages = [
    { type: 'camt.052', wrapper: ['BkToCstmrAcctRpt', 'Rpt'] },
    { type: 'camt.053', wrapper: ['BkToCstmrStmt', 'Stmt'] },
    { type: 'camt.054', wrapper: ['BkToCstmrDbtCdtNtfctn', 'Ntfctn'] },
  ] as const;
  const versions = Array.from({ length: 13 }, (_, i) => `001.${String(i + 1).padStart(2, '0')}`);

  it.each(messages.flatMap((m) => versions.map((version) => ({ ...m, version }))))(
    'reads $type.$version',
    async ({ type, wrapper, version }) => {
      // Version 1 named its message element with a V01 suffix.
      const message = version === '001.01' ? `${wrapper[0]}V01` : wrapper[0];
      const namespace = `urn:iso:std:iso:20022:tech:xsd:${type}.${version}`;
      const xml = camtDocument(namespace, anEntry(), [message, wrapper[1]]);

      const { transactions, summary } = await readAll(xml);

      expect(summary).toEqual({
        messageType: type,
        version,
        statements: 1,
        entries: 1,
        transactions: 1,
        warnings: [],
      });
      expect(transactions.map((t) => [t.messageType, t.version, t.amountMinor])).toEqual([
        [type, version, 100],
      ]);
    },
  );

  it('matches by namespace, whatever the prefixes, and mixes them within one document', async () => {
    const xml =
      `<a:Document xmlns:a="${V08}" xmlns="urn:example:default"><a:BkToCstmrStmt>` +
      `<b:Stmt xmlns:b="${V08}"><Id>not CAMT</Id><a:Id>S-9</a:Id>` +
      `<Ntry><Amt Ccy="EUR">9.00</Amt></Ntry>` +
      `<Ntry xmlns="${V08}"><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts></Ntry>` +
      `</b:Stmt></a:BkToCstmrStmt></a:Document>`;

    const { transactions } = await readAll(xml);

    expect(transactions.map((t) => [t.statementId, t.amountMinor])).toEqual([['S-9', 100]]);
  });

  it('refuses a camt.056 with a typed error naming file and line', async () => {
    const error = await expectCamtError('camt056-unknown.xml', 'camt.unknown-namespace', 2);
    expect(error.message).toBe(
      'camt056-unknown.xml:2: unknown namespace urn:iso:std:iso:20022:tech:xsd:camt.056.001.08',
    );
    expect(error).toBeInstanceOf(CamtError);
  });

  it.each([
    'urn:iso:std:iso:20022:tech:xsd:camt.053.001.14',
    'urn:iso:std:iso:20022:tech:xsd:camt.053.001.00',
    'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03',
    'urn:iso:std:iso:20022:tech:xsd:camt',
  ])('refuses the ISO 20022 namespace %s as unknown', async (namespace) => {
    const error = await readError(camtDocument(namespace, anEntry()));
    expect([error.code, error.line]).toEqual(['camt.unknown-namespace', 2]);
  });

  it('refuses a file that is not CAMT', async () => {
    const error = await expectCamtError('not-camt.xml', 'camt.not-camt', 2);
    expect(error.detail).toBe('no CAMT Document element (camt.052/053/054)');
  });

  it('refuses a Document without a namespace as not CAMT', async () => {
    const error = await readError('<Document><BkToCstmrStmt><Stmt/></BkToCstmrStmt></Document>');
    expect(error.code).toBe('camt.not-camt');
  });

  it('refuses a message without any statement', async () => {
    const error = await expectCamtError('camt053-no-statement.xml', 'camt.no-statements', 2);
    expect(error.detail).toBe('the message holds no statement');
  });

  it('refuses a camt.053 namespace around a camt.052 report', async () => {
    const xml = camtDocument(V08, anEntry(), ['BkToCstmrAcctRpt', 'Rpt']);
    expect((await readError(xml)).code).toBe('camt.no-statements');
  });

  it('refuses a second CAMT Document in one file', async () => {
    const one = camtDocument(V08, anEntry()).replace(/^<\?xml[^>]*>\n/, '');
    const error = await readError(`<Envelope>\n${one}${one}</Envelope>`);
    expect([error.code, error.line]).toEqual(['camt.multiple-documents', 7]);
    expect(error.detail).toBe('a second CAMT Document in one file');
  });
});

describe('readCamt: malformed and hostile XML', () => {
  it('names the line of malformed XML', async () => {
    const error = await expectCamtError('malformed.xml', 'camt.malformed-xml', 8);
    expect(error.detail).toMatch(/^malformed XML: unexpected close tag/);
  });

  it('refuses a truncated file', async () => {
    const error = await readError(fixture('camt053-bom.xml').subarray(0, 500));
    expect(error.code).toBe('camt.malformed-xml');
  });

  it('refuses an empty file', async () => {
    expect((await readError('')).code).toBe('camt.malformed-xml');
  });

  it('refuses an unbound prefix on an element it reads', async () => {
    const error = await readError(camtDocument(V08, anEntry('<x:AcctSvcrRef>R</x:AcctSvcrRef>')));
    expect(error.code).toBe('camt.malformed-xml');
    expect(error.message).toContain('unbound namespace prefix x');
  });

  it('refuses an undefined entity', async () => {
    const error = await readError(camtDocument(V08, anEntry('<NtryRef>&nbsp;</NtryRef>')));
    expect([error.code, error.line]).toEqual(['camt.malformed-xml', 4]);
  });

  it.each([
    ['xxe.xml', 1],
    ['xxe.xml', undefined],
    ['billion-laughs.xml', 3],
    ['billion-laughs.xml', undefined],
  ])('refuses the DOCTYPE of %s (chunks of %s bytes)', async (name, chunkSize) => {
    const error = await readError(fixture(name), name, chunkSize);
    expect([error.code, error.file, error.line]).toEqual(['camt.doctype-forbidden', name, 2]);
    expect(error.detail).toBe('DOCTYPE is not allowed');
  });

  it('reads "<!DOCTYPE" written inside the document as text', async () => {
    const entry = anEntry(
      '<!-- <!DOCTYPE x> --><AddtlNtryInf><![CDATA[see <!DOCTYPE html>]]></AddtlNtryInf>',
    );
    const { transactions } = await readAll(camtDocument(V08, entry));
    expect(transactions.map((t) => t.additionalInfo)).toEqual(['see <!DOCTYPE html>']);
  });

  it('ignores text it does not read, however long: CDATA in a record or in an unknown element', async () => {
    const long = 'c'.repeat(5000);
    const entry = anEntry(
      `<NtryRef>R</NtryRef><![CDATA[${long}]]><NtryDtls><TxDtls><![CDATA[${long}]]><Unknown><![CDATA[${long}]]></Unknown></TxDtls></NtryDtls>`,
    );
    const { transactions } = await readAll(camtDocument(V08, entry));
    expect(transactions.map((t) => t.entryRef)).toEqual(['R']);
  });

  it('reads an element whose attributes include one of five letters beside a namespace declaration', async () => {
    const entry =
      '<Ntry xmlns:x="urn:example" Order="7"><Amt Ccy="EUR">2.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts></Ntry>';
    const { transactions } = await readAll(camtDocument(V08, entry));
    expect(transactions.map((t) => [t.amountMinor, t.status])).toEqual([[200, 'BOOK']]);
  });

  it('trims an attribute it keeps', async () => {
    const { transactions } = await readAll(
      camtDocument(V08, anEntry('', '<Amt Ccy=" EUR ">2.00</Amt>')),
    );
    expect(transactions.map((t) => t.currency)).toEqual(['EUR']);
  });

  it('refuses a DOCTYPE as it starts, before reading its internal subset', async () => {
    let pulled = 0;
    async function* endlessSubset() {
      yield Buffer.from('<?xml version="1.0"?>\n<!DOCTYPE Document [\n');
      for (;;) {
        pulled++;
        yield Buffer.from('<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">\n');
      }
    }
    const read = readCamt(Readable.from(endlessSubset()), { fileName: 'endless.xml' });

    await expect(read[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      code: 'camt.doctype-forbidden',
      line: 2,
    });
    expect(pulled).toBeLessThan(20);
  });
});

describe('readCamt: encodings', () => {
  it('reads UTF-8 with a BOM', async () => {
    const { transactions } = await readFixture('camt053-bom.xml');
    expect(transactions.map((t) => [t.debtorName, t.remittance.unstructured])).toEqual([
      ['Zoë Weiß', 'Grüße 😀 K7QX-M2PA'],
    ]);
  });

  it('reads a file without declaration that is not UTF-8 as Latin-1 (windows-1252)', async () => {
    const { transactions } = await readFixture('camt053-latin1-no-declaration.xml');
    expect(transactions.map((t) => [t.debtorName, t.remittance.unstructured])).toEqual([
      ['Jürgen Müller', 'Überweisung für Straße §12 ½ Betrag 12 €'],
    ]);
  });

  it('honours a declared ISO-8859-1', async () => {
    const { transactions } = await readFixture('camt053-latin1-declared.xml');
    expect(transactions.map((t) => [t.debtorName, t.remittance.unstructured])).toEqual([
      ['Jürgen Müller', 'Überweisung für Straße §12 ½'],
    ]);
  });

  it('honours a declared windows-1252', async () => {
    const xml = camtDocument(V08, anEntry('<AddtlNtryInf>12 \x80</AddtlNtryInf>')).replace(
      'encoding="UTF-8"',
      'encoding="windows-1252"',
    );
    const { transactions } = await readAll(Buffer.from(xml, 'latin1'));
    expect(transactions[0].additionalInfo).toBe('12 €');
  });

  it('reads a file without declaration that is valid UTF-8 as UTF-8', async () => {
    const utf8 = fixture('camt053-bom.xml')
      .subarray(3)
      .toString('utf8')
      .replace(/^<\?xml[^>]*>\n/, '');
    for (const chunkSize of [undefined, 1, 2, 3]) {
      const { transactions } = await readAll(Buffer.from(utf8, 'utf8'), 'utf8.xml', chunkSize);
      expect(transactions.map((t) => [t.debtorName, t.remittance.unstructured])).toEqual([
        ['Zoë Weiß', 'Grüße 😀 K7QX-M2PA'],
      ]);
    }
  });

  it('ends an undeclared file cut after a Latin-1 byte with an XML error, not an encoding one', async () => {
    const xml = Buffer.concat([
      Buffer.from(camtDocument(V08, anEntry()).replace(/^<\?xml[^>]*>\n/, '')),
      Buffer.from('<!-- \xfc', 'latin1'),
    ]);
    // The comment is left open: the document must fail as XML, not as UTF-8.
    expect((await readError(xml, 'tail.xml', 1)).code).toBe('camt.malformed-xml');
  });

  it('refuses bytes that are not UTF-8 in a file that declares UTF-8, naming their line', async () => {
    const xml = Buffer.concat([
      Buffer.from(camtDocument(V08, anEntry('\n<NtryRef>M')).split('</Ntry>')[0]),
      Buffer.from([0xfc]),
      Buffer.from('ller</NtryRef></Ntry>\n</Stmt></BkToCstmrStmt>\n</Document>\n'),
    ]);
    const error = await readError(xml);
    expect([error.code, error.line]).toEqual(['camt.invalid-encoding', 5]);
    expect(error.detail).toBe('text is not valid UTF-8');
  });

  it.each([
    ['a declared UTF-16', Buffer.from('<?xml version="1.0" encoding="UTF-16"?><Document/>')],
    ['a UTF-16 byte order mark', Buffer.from('\ufeff<Document/>', 'utf16le')],
    ['an unknown encoding', Buffer.from('<?xml version="1.0" encoding="x-klingon"?><Document/>')],
  ])('refuses %s', async (_case, bytes) => {
    expect((await readError(bytes)).code).toBe('camt.unsupported-encoding');
  });
});

describe('readCamt: encodings, cut anywhere', () => {
  /** A document without an XML declaration whose entry says `text`, in the given bytes. */
  const undeclared = (text: string, encoding: BufferEncoding) =>
    Buffer.from(
      camtDocument(V08, anEntry(`<AddtlNtryInf>${text}</AddtlNtryInf>`)).replace(
        /^<\?xml[^>]*>\n/,
        '',
      ),
      encoding,
    );
  const declared = (text: string, declaration: string) =>
    Buffer.from(
      camtDocument(V08, anEntry(`<AddtlNtryInf>${text}</AddtlNtryInf>`)).replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        declaration,
      ),
      'latin1',
    );
  const infoOf = async (bytes: Buffer, chunkSize?: number) =>
    (await readAll(bytes, 'cut.xml', chunkSize)).transactions.map((t) => t.additionalInfo);

  it.each(['ë', '€', '😀', 'ëß😀€'])(
    'reads undeclared UTF-8 whose first character beyond ASCII is %s, in chunks of every size up to 7',
    async (text) => {
      const bytes = undeclared(`Gruss ${text} und ${text}`, 'utf8');
      for (const size of [undefined, 1, 2, 3, 4, 5, 6, 7])
        expect(await infoOf(bytes, size), `chunks of ${size}`).toEqual([
          `Gruss ${text} und ${text}`,
        ]);
    },
  );

  it('reads undeclared Latin-1 as Latin-1 in any chunks, þÿ (a UTF-16 mark) included', async () => {
    const bytes = undeclared('þÿ Müller þÿ', 'latin1');
    for (const size of [undefined, 1, 2, 3])
      expect(await infoOf(bytes, size), `chunks of ${size}`).toEqual(['þÿ Müller þÿ']);
  });

  it('honours a declared ISO-8859-1 even where its bytes would be valid UTF-8, in any chunks', async () => {
    // Ã¼ is C3 BC: "ü" read as UTF-8.
    const bytes = declared('MÃ¼ller', '<?xml version="1.0" encoding="ISO-8859-1"?>');
    for (const size of [undefined, 1, 7]) expect(await infoOf(bytes, size)).toEqual(['MÃ¼ller']);
  });

  it('honours a declared ISO-8859-15, whose 0xA4 is the euro sign', async () => {
    const bytes = declared('12 \xa4', '<?xml version="1.0" encoding="ISO-8859-15"?>');
    for (const size of [undefined, 1]) expect(await infoOf(bytes, size)).toEqual(['12 €']);
  });

  it('reads an encoding declared with blanks around its equals sign', async () => {
    const bytes = declared('MÃ¼ller', `<?xml version="1.0" encoding = 'latin1'?>`);
    expect(await infoOf(bytes)).toEqual(['MÃ¼ller']);
  });

  it('looks at the bytes of a file whose declaration names no encoding', async () => {
    const bytes = declared('Müller', '<?xml version="1.0"?>');
    for (const size of [undefined, 1]) expect(await infoOf(bytes, size)).toEqual(['Müller']);
  });

  it.each([
    ['big-endian', Buffer.from([0xfe, 0xff, 0x00, 0x3c, 0x00, 0x44])],
    ['little-endian', Buffer.from('\ufeff<Document/>', 'utf16le')],
  ])('refuses a UTF-16 %s byte order mark, naming UTF-16', async (_order, bytes) => {
    const error = await readError(bytes);
    expect([error.code, error.detail]).toEqual([
      'camt.unsupported-encoding',
      'unsupported encoding UTF-16',
    ]);
  });

  it('trusts a UTF-8 byte order mark over the bytes: Latin-1 after one is refused as not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), undeclared('Müller', 'latin1')]);
    const error = await readError(bytes);
    expect([error.code, error.detail]).toEqual([
      'camt.invalid-encoding',
      'text is not valid UTF-8',
    ]);
  });

  it('refuses a UTF-8 file that ends in the middle of a character', async () => {
    const whole = Buffer.from(camtDocument(V08, anEntry()), 'utf8');
    const cut = Buffer.concat([whole, Buffer.from('€', 'utf8').subarray(0, 2)]);
    for (const size of [undefined, 1]) {
      const error = await readError(cut, 'cut.xml', size);
      expect([error.code, error.detail]).toEqual([
        'camt.invalid-encoding',
        'text is not valid UTF-8',
      ]);
    }
  });

  it('names an encoding it does not know', async () => {
    const error = await readError(
      Buffer.from('<?xml version="1.0" encoding="x-klingon"?><Document/>'),
    );
    expect(error.detail).toBe('unsupported encoding x-klingon');
  });
});

describe('readCamt: chunks', () => {
  const cases = [
    'camt053-bom.xml',
    'camt053-latin1-no-declaration.xml',
    'camt053-latin1-declared.xml',
    'camt052-v13-prefixed-with-apphdr.xml',
    'camt053-ustrd-split-eref-svwz.xml',
    'camt053-v02-debtor-creditor-refs.xml',
  ];

  it.each(cases)('reads %s in 1-byte and 7-byte chunks as in one', async (name) => {
    const whole = await readFixture(name);
    expect(whole.transactions.length).toBeGreaterThan(0);
    expect(await readFixture(name, 1)).toEqual(whole);
    expect(await readFixture(name, 7)).toEqual(whole);
  });

  it('joins a UTF-8 character split between two chunks', async () => {
    const bytes = fixture('camt053-bom.xml');
    for (const char of ['ë', 'ß', '😀']) {
      const at = bytes.indexOf(Buffer.from(char)) + 1;
      const split = Readable.from([bytes.subarray(0, at), bytes.subarray(at)]);
      const transactions: CamtTransaction[] = [];
      for await (const t of readCamt(split, { fileName: 'split.xml' })) transactions.push(t);
      expect(transactions.map((t) => [t.debtorName, t.remittance.unstructured])).toEqual([
        ['Zoë Weiß', 'Grüße 😀 K7QX-M2PA'],
      ]);
    }
  });

  it('reads a stream of strings (a Readable in string mode) as its UTF-8 bytes', async () => {
    const text = fixture('camt053-bom.xml').toString('utf8');
    const strings = Readable.from([text.slice(0, 300), text.slice(300)]);
    const transactions: CamtTransaction[] = [];
    for await (const t of readCamt(strings, { fileName: 'strings.xml' })) transactions.push(t);
    expect(transactions).toEqual((await readFixture('camt053-bom.xml')).transactions);
    expect(transactions.map((t) => t.debtorName)).toEqual(['Zoë Weiß']);
  });
});

describe('readCamt: statements, entries and details', () => {
  it('makes each detail of a batch entry its own transaction (v02, AmtDtls/TxAmt)', async () => {
    const { transactions, summary } = await readFixture('camt053-v02-batch-3-details.xml');
    const entry = {
      version: '001.02',
      statementId: 'STMT-BATCH-1',
      accountIban: 'DE02120300000000202051',
      bookingDate: '2024-05-02',
      valueDate: '2024-05-02',
      bankTransactionCode: 'NTRF+166',
      additionalInfo: 'SAMMLER',
      line: 15,
    };

    expect(transactions).toEqual([
      aTransaction({
        ...entry,
        amountMinor: 1000,
        accountServicerRef: 'BATCH-REF-1',
        entryServicerRef: 'BATCH-REF',
        detailServicerRef: 'BATCH-REF-1',
        endToEndId: 'NOTPROVIDED',
        debtorName: 'Anna Alt',
        debtorIban: 'DE75512108001245126199',
        remittance: { unstructuredParts: ['first'], unstructured: 'first', creditorReferences: [] },
      }),
      aTransaction({
        ...entry,
        detailIndex: 1,
        amountMinor: 2000,
        accountServicerRef: 'BATCH-REF-2',
        entryServicerRef: 'BATCH-REF',
        detailServicerRef: 'BATCH-REF-2',
        debtorName: 'Bernd Bau',
      }),
      aTransaction({
        ...entry,
        detailIndex: 2,
        amountMinor: 3000,
        accountServicerRef: 'BATCH-REF',
        entryServicerRef: 'BATCH-REF',
        additionalInfo: 'third detail',
      }),
    ]);
    expect(summary).toMatchObject({ statements: 1, entries: 1, transactions: 3 });
  });

  it('takes TxDtls/Amt before AmtDtls/TxAmt, and the entry amount for a sole detail', async () => {
    const { transactions } = await readFixture('camt053-v08-batch-amount-precedence.xml');
    expect(
      transactions.map((t) => [t.entryIndex, t.detailIndex, t.amountMinor, t.creditDebit]),
    ).toEqual([
      [0, 0, 500, 'CRDT'],
      [0, 1, 700, 'DBIT'],
      [1, 0, 1200, 'CRDT'],
    ]);
  });

  it('refuses a detail of a batch without any amount, naming its line', async () => {
    await expectCamtError('camt053-batch-missing-amount.xml', 'camt.missing-amount', 16);
  });

  it('reads a Btch-only entry and an entry without details as one transaction each', async () => {
    const { transactions, summary } = await readFixture('camt053-v02-btch-only.xml');
    const shared = {
      version: '001.02',
      statementId: 'STMT-BTCH-1',
      accountIban: 'DE02120300000000202051',
      creditDebit: 'DBIT' as const,
      bookingDate: '2024-05-02',
    };
    expect(transactions).toEqual([
      aTransaction({
        ...shared,
        valueDate: '2024-05-02',
        amountMinor: 15000,
        accountServicerRef: 'BTCH-ONLY',
        entryServicerRef: 'BTCH-ONLY',
        additionalInfo: 'SAMMEL-UEBERWEISUNG',
        line: 15,
      }),
      aTransaction({
        ...shared,
        entryIndex: 1,
        amountMinor: 250,
        accountServicerRef: 'NO-DETAILS',
        entryServicerRef: 'NO-DETAILS',
        bankTransactionCode: 'ACMT/MDOP/CHRG',
        additionalInfo: 'Kontofuehrung',
        line: 35,
      }),
    ]);
    expect(summary).toMatchObject({ entries: 2, transactions: 2 });
  });

  it('reads v01: Ntry/Btch, Ntry/TxDtls, PrtryAcct and CdtrRef', async () => {
    const { transactions } = await readFixture('camt052-v01-btch-prtryacct.xml');
    const shared = {
      messageType: 'camt.052' as const,
      version: '001.01',
      statementId: 'V01-RPT-1',
      accountIban: '0123456789',
      bookingDate: '2009-10-18',
      currency: 'SEK',
    };
    expect(transactions).toEqual([
      aTransaction({
        ...shared,
        creditDebit: 'DBIT',
        amountMinor: 20000000,
        accountServicerRef: 'V01-BTCH',
        entryServicerRef: 'V01-BTCH',
        line: 18,
      }),
      aTransaction({
        ...shared,
        entryIndex: 1,
        amountMinor: 15050,
        accountServicerRef: 'V01-TX',
        entryServicerRef: 'V01-TX',
        debtorName: 'Lars Larsson',
        debtorIban: '9876543210',
        remittance: {
          unstructuredParts: [],
          unstructured: null,
          creditorReferences: [{ ref: 'RF18539007547034', type: 'SCOR', rfValid: true }],
        },
        line: 31,
      }),
    ]);
  });

  it('reads several statements, without GrpHdr, Acct or Id, and empty ones', async () => {
    const { transactions, summary } = await readFixture(
      'camt053-multi-statement-no-grphdr-no-acct.xml',
    );
    expect(
      transactions.map((t) => [
        t.statementIndex,
        t.statementId,
        t.accountIban,
        t.entryIndex,
        t.accountServicerRef,
      ]),
    ).toEqual([
      [0, 'MULTI-1', '0532013000', 0, 'M1-E1'],
      [0, 'MULTI-1', '0532013000', 1, 'M1-E2'],
      [1, 'MULTI-2', null, 0, 'M2-E1'],
      [3, null, 'DE02120300000000202051', 0, 'M4-E1'],
    ]);
    expect(summary).toEqual({
      messageType: 'camt.053',
      version: '001.02',
      statements: 4,
      entries: 4,
      transactions: 4,
      warnings: [],
    });
  });
});

describe('readCamt: fields', () => {
  it('keeps Ustrd parts as written, joins them with a space, and keeps long text whole', async () => {
    const { transactions } = await readFixture('camt053-ustrd-split-eref-svwz.xml');
    const long =
      'SVWZ+Rechnung 2024-0815 Kundennummer 4711 Vertrag 0815-4711 Zeitraum Mai bis Juni 2024 ' +
      'Guthaben fuer das Postfach, bitte mit dem Code K7QX-M2PA verbuchen, vielen Dank und ' +
      'freundliche Gruesse';
    expect(long.length).toBeGreaterThan(140);

    expect(transactions.map((t) => t.remittance)).toEqual([
      {
        // The blank third part carries nothing and is left out.
        unstructuredParts: ['EREF+NOTPROVIDED SVWZ+Guthaben K7QX-M2', 'PA Danke'],
        unstructured: 'EREF+NOTPROVIDED SVWZ+Guthaben K7QX-M2 PA Danke',
        creditorReferences: [],
      },
      { unstructuredParts: [long], unstructured: long, creditorReferences: [] },
      {
        // Entities, CDATA and the text around a comment make one text.
        unstructuredParts: ['Miete & Nebenkosten € <K7QX-M2PA>  Mai'],
        unstructured: 'Miete & Nebenkosten € <K7QX-M2PA>  Mai',
        creditorReferences: [],
      },
    ]);
  });

  it('reads the status as text up to v04', async () => {
    const { transactions } = await readFixture('camt053-v04-status-text.xml');
    expect(transactions.map((t) => [t.status, t.reversal, t.currency, t.amountMinor])).toEqual([
      ['BOOK', false, 'CHF', 1000],
      ['PDNG', false, 'CHF', 2000],
      ['INFO', false, 'CHF', 3000],
    ]);
  });

  it('reads a reversal of a return in a camt.054', async () => {
    const { transactions } = await readFixture('camt054-v08-reversal.xml');
    expect(transactions).toEqual([
      aTransaction({
        messageType: 'camt.054',
        statementId: 'NTF-RVSL-1',
        accountIban: 'DE02120300000000202051',
        creditDebit: 'DBIT',
        reversal: true,
        bookingDate: '2024-05-03',
        valueDate: '2024-05-02',
        amountMinor: 2500,
        accountServicerRef: 'RVSL-0001-1',
        entryServicerRef: 'RVSL-0001',
        detailServicerRef: 'RVSL-0001-1',
        entryRef: 'RV-1',
        endToEndId: 'E2E-0001',
        debtorName: 'Erika Mustermann',
        debtorIban: '0532013000',
        bankTransactionCode: 'PMNT/RCDT/RRTN',
        additionalInfo: 'RUECKUEBERWEISUNG',
        line: 15,
      }),
    ]);
  });

  it('takes the date part of DtTm as written, in the offset it was written in', async () => {
    const { transactions } = await readFixture('camt053-dttm-offset.xml');
    expect(transactions.map((t) => [t.bookingDate, t.valueDate])).toEqual([
      ['2024-03-31', '2024-04-01'],
      ['2024-04-02', '2024-04-02'],
    ]);
  });

  it('reads RvslInd written as true or 1 as a reversal, and anything else as none', async () => {
    const entries = ['true', '1', 'false', '0']
      .map((value) => anEntry(`<RvslInd>${value}</RvslInd>`))
      .join('\n');
    const { transactions } = await readAll(camtDocument(V08, entries));
    expect(transactions.map((t) => t.reversal)).toEqual([true, true, false, false]);
  });

  it('takes a bank transaction code only when domain, family and sub-family are all there', async () => {
    const code = (domain: string) =>
      anEntry(`<BkTxCd>${domain}<Prtry><Cd>NTRF+166</Cd></Prtry></BkTxCd>`);
    const entries = [
      code('<Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>'),
      code('<Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd></Fmly></Domn>'),
      code('<Domn><Cd>PMNT</Cd><Fmly><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>'),
      code('<Domn><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>'),
    ].join('\n');
    const { transactions } = await readAll(camtDocument(V08, entries));
    expect(transactions.map((t) => t.bankTransactionCode)).toEqual([
      'PMNT/RCDT/ESCT',
      'NTRF+166',
      'NTRF+166',
      'NTRF+166',
    ]);
  });

  it('lists only the creditor references that carry a Ref', async () => {
    const strd = (inner: string) => `<Strd><CdtrRefInf>${inner}</CdtrRefInf></Strd>`;
    const entry = anEntry(
      `<NtryDtls><TxDtls><RmtInf>${strd('<Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>')}${strd(
        '<Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF18539007547034</Ref>',
      )}</RmtInf></TxDtls></NtryDtls>`,
    );
    const { transactions } = await readAll(camtDocument(V08, entry));
    expect(transactions[0].remittance.creditorReferences).toEqual([
      { ref: 'RF18539007547034', type: 'SCOR', rfValid: true },
    ]);
  });

  it('refuses a date that is none', async () => {
    const xml = camtDocument(V08, anEntry('<BookgDt><Dt>2024-02-30</Dt></BookgDt>'));
    const error = await readError(xml);
    expect([error.code, error.line, error.detail]).toEqual([
      'camt.invalid-date',
      4,
      'not a date: 2024-02-30',
    ]);
  });

  it('reads amounts with five decimals, zero amounts and other exponents', async () => {
    const { transactions } = await readFixture('camt053-five-decimals-zero-amount.xml');
    expect(transactions.map((t) => [t.amountMinor, t.currency, t.creditDebit])).toEqual([
      [1234, 'EUR', 'CRDT'],
      [0, 'EUR', 'CRDT'],
      [0, 'EUR', 'DBIT'],
      [10000, 'EUR', 'CRDT'],
      [1500, 'JPY', 'CRDT'],
      [1234, 'KWD', 'CRDT'],
      [750, 'EUR', 'CRDT'],
    ]);
  });

  it('refuses an amount with more decimals than its currency has', async () => {
    const error = await expectCamtError('camt053-invalid-amount.xml', 'camt.invalid-amount', 11);
    expect(error.message).toContain('12.345');
  });

  it('refuses an unknown currency, naming the detail line', async () => {
    const error = await expectCamtError('camt053-unknown-currency.xml', 'camt.invalid-amount', 11);
    expect(error.message).toContain('unknown currency XXX');
  });

  it.each([
    ['a negative amount', '<Amt Ccy="EUR">-1.00</Amt>', /^invalid amount: /],
    ['an amount without currency', '<Amt>1.00</Amt>', /^amount 1\.00 without Ccy$/],
    ['a float in exponent notation', '<Amt Ccy="EUR">1e2</Amt>', /^invalid amount: /],
  ])('refuses %s', async (_case, amount, detail) => {
    const error = await readError(camtDocument(V08, anEntry('', amount)));
    expect([error.code, error.line]).toEqual(['camt.invalid-amount', 4]);
    expect(error.detail).toMatch(detail);
  });

  it('refuses an entry without an amount, and a detail without one beside others', async () => {
    const noAmount = '<Ntry><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts></Ntry>';
    const entry = await readError(camtDocument(V08, noAmount));
    expect([entry.code, entry.line, entry.detail]).toEqual([
      'camt.missing-amount',
      4,
      'entry without Amt',
    ]);
    const details = anEntry(
      '<NtryDtls><TxDtls><Amt Ccy="EUR">0.40</Amt></TxDtls><TxDtls><Refs><EndToEndId>E</EndToEndId></Refs></TxDtls></NtryDtls>',
    );
    const detail = await readError(camtDocument(V08, details));
    expect([detail.code, detail.detail]).toEqual([
      'camt.missing-amount',
      'transaction detail without an amount',
    ]);
  });

  it('refuses a missing or unknown credit/debit indicator', async () => {
    const noIndicator = '<Ntry><Amt Ccy="EUR">1.00</Amt><Sts><Cd>BOOK</Cd></Sts></Ntry>';
    const badIndicator = anEntry(
      '<NtryDtls><TxDtls><CdtDbtInd>CRED</CdtDbtInd></TxDtls></NtryDtls>',
    );

    const missing = await readError(camtDocument(V08, noIndicator));
    expect([missing.code, missing.detail]).toEqual([
      'camt.invalid-credit-debit',
      'CdtDbtInd is missing',
    ]);
    const unknown = await readError(camtDocument(V08, badIndicator));
    expect([unknown.code, unknown.detail]).toEqual([
      'camt.invalid-credit-debit',
      'CdtDbtInd is CRED',
    ]);
  });

  it('reads a camt.053 entry without Sts as booked and warns of it, with the first such line', async () => {
    const { transactions, summary } = await readFixture('camt053-v08-entries-without-sts.xml');
    expect(transactions.map((t) => [t.accountServicerRef, t.status])).toEqual([
      ['NO-STS-1', 'BOOK'],
      ['WITH-STS-2', 'PDNG'],
      ['NO-STS-3', 'BOOK'],
      ['PRTRY-STS-4', 'HELD'],
    ]);
    expect(summary.warnings).toEqual([
      { code: 'camt.missing-status-read-as-booked', line: 15, entries: 2 },
    ]);
  });

  it.each([
    ['camt.052', ['BkToCstmrAcctRpt', 'Rpt']],
    ['camt.054', ['BkToCstmrDbtCdtNtfctn', 'Ntfctn']],
  ])('refuses a %s entry without Sts, naming its line', async (type, wrapper) => {
    const noStatus = '<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>';
    const namespace = `urn:iso:std:iso:20022:tech:xsd:${type}.001.08`;
    const error = await readError(camtDocument(namespace, noStatus, wrapper));
    expect([error.code, error.line, error.detail]).toEqual([
      'camt.missing-status',
      4,
      'entry without Sts',
    ]);
  });

  it('takes the transaction amount, not instructed, counter-value or charges amounts', async () => {
    const { transactions } = await readFixture('camt053-charges-fx.xml');
    expect(
      transactions.map((t) => [t.amountMinor, t.currency, t.endToEndId, t.debtorName]),
    ).toEqual([[9300, 'EUR', 'FX-E2E', 'John Doe']]);
  });

  it('reads debtor, ultimate debtor, creditor references and codes of v02', async () => {
    const { transactions } = await readFixture('camt053-v02-debtor-creditor-refs.xml');
    expect(transactions).toEqual([
      aTransaction({
        version: '001.02',
        statementId: 'STMT-REFS-1',
        accountIban: 'DE02120300000000202051',
        bookingDate: '2024-05-02',
        valueDate: '2024-05-02',
        amountMinor: 4200,
        // The detail has no AcctSvcrRef of its own: the entry's stands for it.
        accountServicerRef: 'ENTRY-REF',
        entryServicerRef: 'ENTRY-REF',
        entryRef: 'NREF-1',
        endToEndId: 'NOTPROVIDED',
        // Trimmed; the run of spaces inside stays as the bank wrote it.
        debtorName: 'Jürgen   Weiß',
        debtorIban: 'DE89370400440532013000',
        ultimateDebtorName: 'Zoë Weiß',
        remittance: {
          unstructuredParts: [],
          unstructured: null,
          creditorReferences: [
            { ref: 'RF18539007547034', type: 'SCOR', rfValid: true },
            { ref: 'RF19539007547034', type: null, rfValid: false },
            { ref: '210000000003139471430009017', type: 'ISR Reference', rfValid: null },
          ],
        },
        // The ISO domain code of the entry before the detail's proprietary code.
        bankTransactionCode: 'PMNT/RCDT/ESCT',
        additionalInfo: 'GUTSCHRIFT',
        line: 15,
      }),
    ]);
  });
});

describe('readCamt: streaming', () => {
  function bigStatement(entries: number): Buffer {
    const body = Array.from({ length: entries }, (_, i) =>
      anEntry(`<AcctSvcrRef>R-${i}</AcctSvcrRef>`),
    ).join('\n');
    return Buffer.from(camtDocument(V08, body));
  }

  it('reads the next chunk only when the transactions of the last are taken', async () => {
    const bytes = bigStatement(2000);
    const chunks = Math.ceil(bytes.length / 1024);
    let pulled = 0;
    async function* counted() {
      for (let at = 0; at < bytes.length; at += 1024) {
        pulled++;
        yield bytes.subarray(at, at + 1024);
      }
    }
    const iterator = readCamt(Readable.from(counted()), { fileName: 'big.xml' })[
      Symbol.asyncIterator
    ]();

    const first = await iterator.next();

    expect(first.value).toMatchObject({ accountServicerRef: 'R-0' });
    expect(pulled).toBeLessThan(chunks / 4);
    let count = 1;
    while (!(await iterator.next()).done) count++;
    expect([count, pulled]).toEqual([2000, chunks]);
  });

  it('tells the summary only once reading has finished, and reads once', async () => {
    const read = readCamt(chunked(bigStatement(3)), { fileName: 'three.xml' });
    expect(() => read.summary).toThrow('once reading has finished');
    const refs: (string | null)[] = [];
    for await (const t of read) refs.push(t.accountServicerRef);
    expect(refs).toEqual(['R-0', 'R-1', 'R-2']);
    expect(read.summary.transactions).toBe(3);
    expect(() => read[Symbol.asyncIterator]()).toThrow('iterated once');
  });

  it('reads a file by path and names it by its base name in errors', async () => {
    const refs: (string | null)[] = [];
    for await (const t of readCamtFile(join(FIXTURES, 'camt054-v08-reversal.xml'))) {
      refs.push(t.accountServicerRef);
    }
    expect(refs).toEqual(['RVSL-0001-1']);

    const read = readCamtFile(join(FIXTURES, 'malformed.xml'));
    await expect(read[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      file: 'malformed.xml',
      line: 8,
    });
  });
});
