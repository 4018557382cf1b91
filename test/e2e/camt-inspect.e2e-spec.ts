import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { displayCode, generateCode } from '../../src/codes/code-format';
import { aCamtDocument } from '../support/camt-builder';

const ROOT = resolve(__dirname, '../..');

function inspect(...args: string[]) {
  return spawnSync(
    process.execPath,
    [
      '-r',
      require.resolve('@swc-node/register'),
      join(ROOT, 'src/cli/main.ts'),
      'camt',
      'inspect',
      ...args,
    ],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
      timeout: 60_000,
    },
  );
}

describe('camt inspect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'billing-inspect-'));
  const code = generateCode();
  const file = join(dir, 'statement.xml');
  writeFileSync(
    file,
    aCamtDocument([
      {
        ustrd: [`SVWZ+Aufladung ${code.slice(0, 6)}`, `${code.slice(6).toLowerCase()} danke`],
        amount: '12.50',
        ref: 'REF-1',
      },
      { creditDebit: 'DBIT', status: 'PDNG', ustrd: ['Miete'], amount: '0.00', ref: null },
    ]),
  );

  it('prints one NDJSON line per transaction with the field names of API.md', () => {
    const result = inspect(file, '--json');
    expect(result.status).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0])).toEqual([
      'messageType',
      'version',
      'statementId',
      'accountIban',
      'entryIndex',
      'detailIndex',
      'creditDebit',
      'reversal',
      'status',
      'bookingDate',
      'valueDate',
      'amountMinor',
      'currency',
      'accountServicerRef',
      'endToEndId',
      'debtorName',
      'debtorIban',
      'remittance',
      'code',
    ]);
    expect(lines[0]).toEqual({
      messageType: 'camt.053',
      version: '001.08',
      statementId: 'STMT-1',
      accountIban: 'DE02120300000000202051',
      entryIndex: 0,
      detailIndex: 0,
      creditDebit: 'CRDT',
      reversal: false,
      status: 'BOOK',
      bookingDate: '2026-11-24',
      valueDate: '2026-11-24',
      amountMinor: 1250,
      currency: 'EUR',
      accountServicerRef: 'REF-1',
      endToEndId: 'NOTPROVIDED',
      debtorName: 'Erika Mustermann',
      debtorIban: 'DE89370400440532013000',
      remittance: {
        unstructured: `SVWZ+Aufladung ${code.slice(0, 6)} ${code.slice(6).toLowerCase()} danke`,
        creditorReference: null,
      },
      code: displayCode(code),
    });
    expect(lines[1]).toMatchObject({
      entryIndex: 1,
      creditDebit: 'DBIT',
      status: 'PDNG',
      amountMinor: 0,
      code: null,
    });
  });

  it('prints a readable table without --json', () => {
    const result = inspect(file);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^camt\.053 001\.08\s+account DE02120300000000202051/);
    expect(result.stdout).toContain(displayCode(code));
    expect(result.stdout).toContain('12.50 EUR');
    expect(result.stdout.trim().split('\n').at(-1)).toBe(
      '1 statement(s), 2 entries, 2 transactions',
    );
  });

  it('exits non-zero with one clear line on stderr for a file that is not CAMT', () => {
    const other = join(dir, 'not-camt.xml');
    writeFileSync(other, '<?xml version="1.0"?><invoice><total>12</total></invoice>');
    const result = inspect(other);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^camt inspect: not-camt\.xml:1: /);
  });
});
