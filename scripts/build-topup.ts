import { join } from 'node:path';
import { buildTopupPage } from '../src/tokens/page/build';

/** Bundles the top-up page's script into topup-build/ (run by `npm run build`). */
buildTopupPage(join(__dirname, '..'))
  .then((out) => process.stdout.write(`top-up page built: ${out}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`build:topup: ${(error as Error).message}\n`);
    process.exit(1);
  });
