/**
 * Amounts as the cash office writes them: `12,00`, `12.00`, `12`, `1.234,50`,
 * with or without `€` or `EUR`. Returns minor units, or undefined when the
 * text is no amount. Integer arithmetic only, never a float.
 */
export function parseTypedAmount(text: string): number | undefined {
  const bare = text
    .replace(/€|EUR/gi, '')
    .replace(/[\s\u00a0\u202f']/g, '')
    .trim();
  if (!/^\d[\d.,]*$/.test(bare)) return undefined;
  // The last separator followed by one or two digits is the decimal one.
  const decimal = /[.,](\d{1,2})$/.exec(bare);
  const whole = (decimal ? bare.slice(0, decimal.index) : bare).replace(/[.,]/g, '');
  if (!/^\d+$/.test(whole)) return undefined;
  // Grouping separators stand every three digits, all alike, and unlike the decimal one.
  const wholeText = decimal ? bare.slice(0, decimal.index) : bare;
  const groups = wholeText.split(/[.,]/);
  if (groups.length > 1 && groups.slice(1).some((g) => g.length !== 3)) return undefined;
  const separators = new Set(wholeText.replace(/\d/g, ''));
  if (separators.size > 1 || (decimal && separators.has(bare[decimal.index]))) return undefined;
  const cents = decimal ? decimal[1].padEnd(2, '0') : '00';
  const minor = Number(whole) * 100 + Number(cents);
  return Number.isSafeInteger(minor) && minor > 0 ? minor : undefined;
}

/** Minor units shown in the console's locale. */
export function formatAmount(minor: number, currency: string, locale: string): string {
  return new Intl.NumberFormat(locale === 'de' ? 'de-DE' : 'en-GB', {
    style: 'currency',
    currency,
  }).format(minor / 100);
}
