/** Where money came from: a payment's channel, and its credit's in the ledger. */
/** `card`: a card paid through PayPal's card fields, a channel of its own in every report. */
export const CHANNELS = ['bank', 'cash', 'paypal', 'card'] as const;
export type Channel = (typeof CHANNELS)[number];
