import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeTestCertificate } from './test-certificate';

/** The stand-in's certificates must read as PayPal's do, whatever their random serial. */
describe("the PayPal stand-in's signing certificate", () => {
  it.each([
    ['a zero byte, then one below 0x80', '0010a1b2c3d4e5f60718293a'],
    ['two zero bytes, then 0x80', '000080a1b2c3d4e5f6071829'],
    ['its high bit set', '80a1b2c3d4e5f60718293a4b'],
  ])('is read by OpenSSL, serial and all, with a serial that begins with %s', (_, serial) => {
    const { pem } = makeTestCertificate({ serial: Buffer.from(serial, 'hex') });
    const [leaf] = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)!;
    expect(BigInt(`0x${new X509Certificate(leaf).serialNumber}`)).toBe(BigInt(`0x${serial}`));
  });
});
