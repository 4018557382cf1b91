/**
 * Money is an integer count of minor units plus an ISO 4217 currency, everywhere.
 * Amounts arrive as decimal strings (CAMT `Amt`, configuration) and are parsed
 * digit by digit: a float never touches an amount.
 */

// Active ISO 4217 codes with two minor units, then those with other exponents.
const TWO_DECIMALS =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN ' +
  'BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP ' +
  'GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP ' +
  'LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR ' +
  'NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN ' +
  'SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ' +
  'ZMW ZWG';
const OTHER_EXPONENTS: Record<string, number> = {
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  CLF: 4,
  UYW: 4,
};

const EXPONENTS: ReadonlyMap<string, number> = new Map([
  ...TWO_DECIMALS.split(' ').map((c): [string, number] => [c, 2]),
  ...Object.entries(OTHER_EXPONENTS),
]);

export type Currency = string;

export interface Money {
  readonly amountMinor: number;
  readonly currency: Currency;
}

export function isKnownCurrency(code: string): boolean {
  return EXPONENTS.has(code);
}

/** Minor units of an active ISO 4217 currency; undefined for an unknown code. */
export function minorUnits(currency: string): number | undefined {
  return EXPONENTS.get(currency);
}

export class AmountFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmountFormatError';
  }
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses a non-negative decimal string ("12.5", "0.00100") into minor units of the
 * currency. Digits beyond the currency's exponent must be zeros (CAMT allows five
 * decimals; "12.34000" is fine, "12.345" EUR is not a real amount and is refused).
 */
export function parseDecimalToMinor(text: string, currency: string): number {
  const exponent = minorUnits(currency);
  if (exponent === undefined) throw new AmountFormatError(`unknown currency ${currency}`);
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new AmountFormatError(`not a decimal amount: ${JSON.stringify(text)}`);
  const [, whole, fraction = ''] = match;
  const kept = fraction.slice(0, exponent).padEnd(exponent, '0');
  if (/[^0]/.test(fraction.slice(exponent))) {
    throw new AmountFormatError(`${text} has more decimals than ${currency} allows`);
  }
  const minor = BigInt(whole + kept);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new AmountFormatError(`${text} is too large`);
  return Number(minor);
}

/** Formats minor units as a plain decimal string, e.g. 1250 EUR -> "12.50". */
export function formatMinor(amountMinor: number, currency: string): string {
  const exponent = minorUnits(currency) ?? 2;
  const sign = amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, '0');
  return exponent === 0
    ? sign + digits
    : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
