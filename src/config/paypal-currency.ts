import { AmountFormatError, formatMinor, minorUnits, parseDecimalToMinor } from '../common/money';

/**
 * The currencies PayPal takes (its "Currency codes" reference), and how many
 * decimals PayPal wants for each. HUF and TWD have two in ISO 4217 but PayPal
 * takes them whole (a decimal is DECIMAL_PRECISION); JPY has none in either.
 */
const PAYPAL_CURRENCIES = new Map<string, number>([
  ...'AUD BRL CAD CNY CZK DKK EUR HKD ILS MYR MXN NZD NOK PHP PLN GBP SGD SEK CHF THB USD'
    .split(' ')
    .map((c): [string, number] => [c, 2]),
  ['HUF', 0],
  ['JPY', 0],
  ['TWD', 0],
]);

export function isPayPalCurrency(currency: string): boolean {
  return PAYPAL_CURRENCIES.has(currency);
}

/**
 * Minor units as PayPal writes them, e.g. 1200 EUR -> "12.00", 120000 HUF ->
 * "1200". Undefined when the amount cannot be written in PayPal's precision
 * (120050 HUF is 1200.50, and PayPal takes no fillér).
 */
export function toPayPalValue(amountMinor: number, currency: string): string | undefined {
  const paypal = PAYPAL_CURRENCIES.get(currency);
  const iso = minorUnits(currency);
  if (paypal === undefined || iso === undefined || paypal > iso) return undefined;
  const factor = 10 ** (iso - paypal);
  if (amountMinor % factor !== 0) return undefined;
  return formatMinor(amountMinor / factor, paypal === 0 ? 'JPY' : 'EUR');
}

/** The smallest amount PayPal can take in this currency, in the service's minor units. */
export function payPalStep(currency: string): number {
  const paypal = PAYPAL_CURRENCIES.get(currency) ?? 2;
  return 10 ** Math.max(0, (minorUnits(currency) ?? 2) - paypal);
}

/** PayPal's decimal string (possibly negative, for reversals) as minor units of the ISO currency. */
export function fromPayPalValue(value: string, currency: string): number {
  return parseDecimalToMinor(value.replace(/^-/, ''), currency);
}

export { AmountFormatError };
