const RF_REFERENCE = /^RF\d{2}[0-9A-Z]{1,21}$/;

/**
 * ISO 11649 structured creditor reference ("RF18 5390 0754 7034"): the check digits
 * make the whole, read with letters as 10..35 and the first four characters moved to
 * the end, leave 1 modulo 97. Null for references that do not claim to be RF ones.
 */
export function checkRfReference(ref: string): boolean | null {
  if (!ref.startsWith('RF')) return null;
  const compact = ref.replace(/ /g, '').toUpperCase();
  if (!RF_REFERENCE.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (const char of rearranged) {
    const value = parseInt(char, 36);
    rest = (value < 10 ? rest * 10 + value : rest * 100 + value) % 97;
  }
  return rest === 1;
}
