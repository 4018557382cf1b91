/**
 * The payload of an EPC QR code ("GiroCode", EPC069-12 version 002) for a SEPA
 * credit transfer: what a banking app reads to fill in a transfer. Pure, with
 * no Node imports: the top-up page builds the same payload in the browser.
 */
export interface EpcTransfer {
  creditorName: string;
  iban: string;
  bic: string;
  /** Unstructured remittance: the code. */
  remittance: string;
  /** Left for the payer to fill in when absent. SEPA transfers are in euros only. */
  amountMinor?: number;
}

export function epcQrPayload(transfer: EpcTransfer): string {
  const amount =
    transfer.amountMinor === undefined
      ? ''
      : `EUR${Math.floor(transfer.amountMinor / 100)}.${String(transfer.amountMinor % 100).padStart(2, '0')}`;
  return [
    'BCD', // service tag
    '002', // version: the BIC may be left out within the EEA
    '1', // character set: UTF-8
    'SCT', // SEPA credit transfer
    transfer.bic.replace(/\s/g, ''),
    transfer.creditorName.slice(0, 70),
    transfer.iban.replace(/\s/g, '').toUpperCase(),
    amount,
    '', // purpose
    '', // structured remittance: none, the code goes unstructured
    transfer.remittance.slice(0, 140),
  ].join('\n');
}
