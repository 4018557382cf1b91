import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import {
  CamtError,
  readCamt,
  type CamtErrorCode,
  type CamtSummary,
  type CamtTransaction,
} from '../../../src/bank/camt';

export const FIXTURES = resolve(__dirname, '../../fixtures/camt');

export function fixture(name: string): Buffer {
  return readFileSync(resolve(FIXTURES, name));
}

/** The bytes as a stream of chunks of the given size (the whole at once by default). */
export function chunked(bytes: Buffer, size = bytes.length): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks);
}

export interface ReadResult {
  transactions: CamtTransaction[];
  summary: CamtSummary;
}

export async function readAll(bytes: Buffer | string, fileName = 'test.xml', chunkSize?: number) {
  const input = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  const read = readCamt(chunked(input, chunkSize), { fileName });
  const transactions: CamtTransaction[] = [];
  for await (const transaction of read) transactions.push(transaction);
  return { transactions, summary: read.summary } satisfies ReadResult;
}

export async function readFixture(name: string, chunkSize?: number): Promise<ReadResult> {
  return readAll(fixture(name), name, chunkSize);
}

/** Reads to the end and returns the CamtError it must end in. */
export async function readError(
  bytes: Buffer | string,
  fileName = 'test.xml',
  chunkSize?: number,
): Promise<CamtError> {
  try {
    await readAll(bytes, fileName, chunkSize);
  } catch (error) {
    if (error instanceof CamtError) return error;
    throw error;
  }
  throw new Error(`${fileName} was read without error`);
}

export async function expectCamtError(
  name: string,
  code: CamtErrorCode,
  line: number,
): Promise<CamtError> {
  const error = await readError(fixture(name), name);
  expect({ code: error.code, file: error.file, line: error.line }).toEqual({
    code,
    file: name,
    line,
  });
  expect(error.message.startsWith(`${name}:${line}: `)).toBe(true);
  // The name the logs and the import thread carry it by.
  expect(error.name).toBe('CamtError');
  return error;
}

/** An expected transaction: nulls and empties, overridden where the case says more. */
export function aTransaction(overrides: Partial<CamtTransaction>): CamtTransaction {
  return {
    messageType: 'camt.053',
    version: '001.08',
    statementIndex: 0,
    statementId: null,
    accountIban: null,
    entryIndex: 0,
    detailIndex: 0,
    creditDebit: 'CRDT',
    reversal: false,
    status: 'BOOK',
    bookingDate: null,
    valueDate: null,
    amountMinor: 0,
    currency: 'EUR',
    accountServicerRef: null,
    entryServicerRef: null,
    detailServicerRef: null,
    entryRef: null,
    endToEndId: null,
    debtorName: null,
    debtorIban: null,
    ultimateDebtorName: null,
    remittance: { unstructuredParts: [], unstructured: null, creditorReferences: [] },
    bankTransactionCode: null,
    additionalInfo: null,
    line: 0,
    ...overrides,
  };
}

/** A minimal document of the given namespace around the given entries. */
export function camtDocument(
  namespace: string,
  entries: string,
  wrapper = ['BkToCstmrStmt', 'Stmt'],
): string {
  const [message, statement] = wrapper;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="${namespace}">\n` +
    `<${message}><${statement}><Id>S-1</Id>\n${entries}\n</${statement}></${message}>\n</Document>\n`
  );
}

export const V08 = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08';

/** A booked entry; `inner` goes before the entry's end. */
export function anEntry(inner = '', amount = '<Amt Ccy="EUR">1.00</Amt>'): string {
  return `<Ntry>${amount}<CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>${inner}</Ntry>`;
}
