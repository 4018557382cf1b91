/**
 * The rooms of src/ and who may use whom (README, "Architecture"). A room may
 * import from rooms on lower layers only; rooms on one layer do not import each
 * other (three channels, or reports and retention, stay apart). No cycles.
 */
const LAYERS = [
  ['common'],
  ['config'],
  ['database'],
  ['metrics'],
  ['auth'],
  ['http'],
  ['abuse'],
  ['ledger'],
  ['codes'],
  ['payments'],
  ['fees'],
  ['events'],
  ['cash', 'bank', 'paypal'],
  ['mailboxes'],
  ['reports', 'retention', 'health'],
  ['tokens'],
  ['audit'],
  ['staff'],
  ['console'],
  ['cli'],
];
const TOP = 'app\\.module|app\\.factory|main'; // the composition root

const room = (name) => `^src/${name}/`;
const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'A cycle makes two rooms one; break it by moving what both need down a layer.',
    from: {},
    to: { circular: true },
  },
  {
    name: 'composition-root-on-top',
    severity: 'error',
    comment: 'Only main, the app factory and the CLI compose the service.',
    from: { path: '^src/', pathNot: `^src/(${TOP})\\.ts$|^src/cli/` },
    to: { path: `^src/(${TOP})\\.ts$` },
  },
];
LAYERS.forEach((layer, rank) => {
  const higher = LAYERS.slice(rank + 1).flat();
  for (const name of layer) {
    const peers = layer.filter((other) => other !== name);
    const banned = [...higher, ...peers];
    if (banned.length === 0) continue;
    forbidden.push({
      name: `layer-${name}`,
      severity: 'error',
      comment: `${name} may use only rooms below it: ${LAYERS.slice(0, rank).flat().join(', ') || 'none'}.`,
      from: { path: room(name) },
      to: { path: `^src/(${banned.join('|')})/` },
    });
  }
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
