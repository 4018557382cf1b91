import { join } from 'node:path';

/**
 * Bundles src/tokens/client/topup-page.ts (with the Privacy Pass library and
 * the QR encoder) into one self-hosted ES module, topup-build/topup.js. Vite
 * is a build tool, loaded only here.
 */
export async function buildTopupPage(root: string): Promise<string> {
  const { build } = await import('vite');
  const outDir = join(root, 'topup-build');
  await build({
    root,
    configFile: false,
    logLevel: 'error',
    publicDir: false,
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      lib: {
        entry: join(root, 'src/tokens/client/topup-page.ts'),
        formats: ['es'],
        fileName: () => 'topup.js',
      },
    },
  });
  return join(outDir, 'topup.js');
}
