import { describe, expect, it } from 'vitest';
import { epcQrPayload } from './epc-qr';

/** EPC069-12 version 002, as a banking app reads it: eleven lines for a transfer. */
describe('the GiroCode (EPC QR) payload', () => {
  const transfer = {
    creditorName: 'Mailbox Provider e.V.',
    iban: 'de89 3704 0044 0532 0130 00',
    bic: 'COBA DEFF XXX',
    remittance: 'K7QM-2XPF-9D3A',
  };

  it('names the creditor, its IBAN (upper case, no spaces) and BIC, and the code as remittance; no amount', () => {
    expect(epcQrPayload(transfer).split('\n')).toEqual([
      'BCD',
      '002',
      '1',
      'SCT',
      'COBADEFFXXX',
      'Mailbox Provider e.V.',
      'DE89370400440532013000',
      '',
      '',
      '',
      'K7QM-2XPF-9D3A',
    ]);
  });

  it.each([
    [1200, 'EUR12.00'],
    [5, 'EUR0.05'],
    [12345, 'EUR123.45'],
  ])('writes %i minor units as %s', (amountMinor, written) => {
    expect(epcQrPayload({ ...transfer, amountMinor }).split('\n')[7]).toBe(written);
  });

  it('cuts the name to 70 characters and the remittance to 140, the fields the standard allows', () => {
    const lines = epcQrPayload({
      ...transfer,
      creditorName: 'N'.repeat(80),
      remittance: 'R'.repeat(150),
    }).split('\n');
    expect(lines[5]).toBe('N'.repeat(70));
    expect(lines[10]).toBe('R'.repeat(140));
  });
});
