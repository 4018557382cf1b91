import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The staff console's script and styles: one file each, no inline code (the
 * page's Content-Security-Policy allows none), built into console-assets/.
 * The script imports src/codes/code-format.ts, the server's own code format.
 */
export default defineConfig({
  root: resolve(import.meta.dirname, 'src/console/web'),
  logLevel: 'warn',
  build: {
    outDir: resolve(import.meta.dirname, 'console-assets'),
    emptyOutDir: true,
    modulePreload: false,
    cssCodeSplit: false,
    target: 'es2022',
    rollupOptions: {
      input: resolve(import.meta.dirname, 'src/console/web/main.ts'),
      output: {
        entryFileNames: 'console.js',
        assetFileNames: 'console[extname]',
      },
    },
  },
});
