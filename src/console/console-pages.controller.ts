import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/roles.decorator';
import { NotFound } from '../common/domain-error';

/** Built by `npm run build:console` (vite.console.config.mts), beside src/ and dist/. */
export const CONSOLE_ASSETS_DIR = resolve(__dirname, '../../console-assets');

/** Scripts, styles, images and fetches from this origin only; no inline script or style. */
export const CONSOLE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  version: string;
}

function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, type] of [
    ['console.js', 'text/javascript; charset=utf-8'],
    ['console.css', 'text/css; charset=utf-8'],
  ]) {
    const path = join(CONSOLE_ASSETS_DIR, name);
    if (!existsSync(path)) continue;
    const body = readFileSync(path);
    const version = createHash('sha256').update(body).digest('hex').slice(0, 12);
    assets.set(name, { body, type, version });
  }
  return assets;
}

/**
 * The staff console: one page and its two files, all from this service. The
 * page is the same for every screen; the script draws them and calls the API.
 */
@ApiExcludeController()
@Public()
@Controller('staff')
export class ConsolePagesController {
  private readonly assets = loadAssets();

  @Get()
  page(@Res() reply: FastifyReply) {
    this.sendPage(reply);
  }

  @Get('enrol')
  enrolPage(@Res() reply: FastifyReply) {
    this.sendPage(reply);
  }

  @Get('assets/:file')
  @Header('cache-control', 'public, max-age=31536000, immutable')
  asset(@Param('file') file: string, @Res() reply: FastifyReply) {
    const asset = this.assets.get(file);
    if (!asset) throw new NotFound('No such file.');
    void reply.header('content-security-policy', CONSOLE_POLICY).type(asset.type).send(asset.body);
  }

  private sendPage(reply: FastifyReply): void {
    const js = this.assets.get('console.js');
    const css = this.assets.get('console.css');
    const body =
      js && css
        ? `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Billing console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/staff/assets/console.css?v=${css.version}">
<script type="module" src="/staff/assets/console.js?v=${js.version}"></script>
</head>
<body><main id="app" tabindex="-1"><p>Loading…</p></main></body>
</html>
`
        : `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Billing console</title></head>
<body><main><h1>The console is not built</h1><p>Run npm run build:console.</p></main></body></html>
`;
    void reply
      .status(js && css ? 200 : 503)
      .header('content-security-policy', CONSOLE_POLICY)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(body);
  }
}
