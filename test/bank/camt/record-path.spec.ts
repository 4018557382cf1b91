import { compileRecords, type RecordSpec } from '../../../src/bank/camt/record-path.trie';

const spec: RecordSpec = {
  at: ['Stmt'],
  fields: { id: 'Id' },
  lengths: { id: 35 },
  child: {
    at: ['Ntry'],
    fields: { amount: 'Amt', currency: 'Amt@Ccy', lines: 'RmtInf/Ustrd[]' },
    lengths: { amount: 30, currency: 3, lines: 140 },
    listItems: 2,
    repeats: 5,
  },
};

describe('compileRecords', () => {
  it('refuses a field without a length, or with none to speak of', () => {
    for (const lengths of [{}, { id: 0 }, { id: -1 }] as Record<string, number>[])
      expect(() => compileRecords({ at: ['Stmt'], fields: { id: 'Id' }, lengths })).toThrow(
        'no length for the field id',
      );
  });

  it('puts each field, attribute and list where its path says, with its limits', () => {
    const { root } = compileRecords(spec);
    const statement = root.child('Stmt')!;
    expect(statement.opensLevel).toBe(0);
    expect(statement.child('Id')).toMatchObject({ level: 0, field: 'id', maxChars: 35 });
    const entry = statement.child('Ntry')!;
    expect(entry.opensLevel).toBe(1);
    expect(entry.child('Amt')).toMatchObject({
      level: 1,
      field: 'amount',
      list: false,
      attributes: [{ name: 'Ccy', level: 1, field: 'currency', maxChars: 3 }],
    });
    expect(entry.child('RmtInf')!.child('Ustrd')).toMatchObject({
      level: 1,
      field: 'lines',
      list: true,
      maxChars: 140,
      maxItems: 2,
    });
    expect(entry.child('Unknown')).toBeUndefined();
  });

  it('gives each record fresh values and each level its repeats', () => {
    const records = compileRecords(spec);
    expect(records.repeats).toEqual([Infinity, 5]);
    expect(records.createValues(0)).toEqual({ id: null });
    const first = records.createValues(1);
    expect(first).toEqual({ amount: null, currency: null, lines: [] });
    (first.lines as string[]).push('a');
    expect(records.createValues(1).lines).toEqual([]);
  });
});
