import { fromPayPalValue, isPayPalCurrency, payPalStep, toPayPalValue } from './paypal-currency';

describe("PayPal's currencies and their precision", () => {
  it('writes HUF and TWD whole, as PayPal takes them, and two-decimal currencies with two', () => {
    expect(toPayPalValue(120000, 'HUF')).toBe('1200');
    expect(toPayPalValue(99900, 'TWD')).toBe('999');
    expect(toPayPalValue(1200, 'JPY')).toBe('1200');
    expect(toPayPalValue(1250, 'EUR')).toBe('12.50');
    expect(toPayPalValue(5, 'USD')).toBe('0.05');
  });

  it('cannot write a fraction of a unit PayPal takes whole', () => {
    expect(toPayPalValue(120050, 'HUF')).toBeUndefined();
    expect(payPalStep('HUF')).toBe(100);
    expect(payPalStep('EUR')).toBe(1);
    expect(payPalStep('JPY')).toBe(1);
  });

  it("reads PayPal's values back into the ISO minor units of the service", () => {
    expect(fromPayPalValue('1200', 'HUF')).toBe(120000);
    expect(fromPayPalValue('-12.50', 'EUR')).toBe(1250);
  });

  it('knows which currencies PayPal does not take', () => {
    expect(isPayPalCurrency('EUR')).toBe(true);
    expect(isPayPalCurrency('RON')).toBe(false);
    expect(isPayPalCurrency('KRW')).toBe(false);
    expect(toPayPalValue(100, 'RON')).toBeUndefined();
  });
});
