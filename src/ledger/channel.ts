/** Where money came from: a payment's channel, and its credit's in the ledger. */
export const CHANNELS = ['bank', 'cash', 'paypal'] as const;
export type Channel = (typeof CHANNELS)[number];
