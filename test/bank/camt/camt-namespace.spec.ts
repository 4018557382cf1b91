import { parseCamtNamespace } from '../../../src/bank/camt/camt-namespace.parser';

describe('parseCamtNamespace', () => {
  const ISO = 'urn:iso:std:iso:20022:tech:xsd:';

  it('reads the message type and version of the camt messages it knows', () => {
    expect(parseCamtNamespace(`${ISO}camt.053.001.08`)).toEqual({
      messageType: 'camt.053',
      version: '001.08',
    });
    expect(parseCamtNamespace(`${ISO}camt.052.001.13`)).toEqual({
      messageType: 'camt.052',
      version: '001.13',
    });
  });

  it('names as unknown an ISO 20022 namespace it does not read, whole or in part', () => {
    for (const uri of [
      `${ISO}camt.056.001.08`,
      `${ISO}camt.053.001.14`,
      `${ISO}camt.053.001.00`,
      `${ISO}camt.053.001.081`,
      `${ISO}${ISO}camt.053.001.08`,
    ])
      expect(parseCamtNamespace(uri), uri).toBe('unknown');
  });

  it('leaves anything else to the caller', () => {
    expect(parseCamtNamespace('http://example.com/camt.053.001.08')).toBeNull();
  });
});
