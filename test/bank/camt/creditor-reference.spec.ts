import { checkRfReference } from '../../../src/bank/camt/creditor-reference.check';

/*
 * The check digits below were computed apart from the reader (ISO 11649 with
 * BigInt): 98 minus the body followed by "RF00", letters read as 10..35, modulo 97.
 */
describe('checkRfReference (ISO 11649)', () => {
  it('accepts a reference whose check digits hold, written with or without spaces', () => {
    expect(checkRfReference('RF18539007547034')).toBe(true);
    expect(checkRfReference('RF18 5390 0754 7034')).toBe(true);
    // Letters count as two digits each (A = 10), wherever they stand.
    expect(checkRfReference('RF20ABC123XYZ')).toBe(true);
    expect(checkRfReference('RF1612A34')).toBe(true);
  });

  it('refuses one whose check digits do not hold', () => {
    expect(checkRfReference('RF19539007547034')).toBe(false);
    expect(checkRfReference('RF21ABC123XYZ')).toBe(false);
  });

  it('refuses a reference of the wrong shape even where its digits would hold', () => {
    // 26 characters: the body may have 21 at most.
    expect(checkRfReference('RF181234567890ABCDEFGHJKLM')).toBe(false);
    // Too long, with a well-formed reference at its end.
    expect(checkRfReference('RF23AAAAAAARF34BBBBBBBBBBBBBBB')).toBe(false);
    // One check digit.
    expect(checkRfReference('RF5K051')).toBe(false);
    expect(checkRfReference('RF18-5390-0754-7034')).toBe(false);
  });

  it('says nothing of a reference that does not claim to be an RF one', () => {
    expect(checkRfReference('210000000003139471430009017')).toBeNull();
    expect(checkRfReference('rf18539007547034')).toBeNull();
  });
});
