import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/roles.decorator';
import { NotFound } from '../common/domain-error';
import { AppConfig } from '../config/app-config';

/** Where the bundle is built (npm run build:topup): two levels above src/tokens and dist/tokens. */
const BUILD = join(__dirname, '..', '..', 'topup-build');
const PAGE = join(__dirname, 'page');

/**
 * The top-up page, static and self-hosted: its HTML, its style and its one
 * script; nothing from elsewhere, and a policy that allows nothing else. The
 * webmail origin (TOPUP_EMBED_ORIGIN) may frame it and receives its tokens.
 * A page, not part of the API: left out of the OpenAPI document.
 */
@ApiExcludeController()
@Public()
@Controller('topup')
export class TopupPageController {
  private readonly html: string;
  private readonly policy: string;

  constructor(@Inject(AppConfig) config: AppConfig) {
    const origin = config.tokens.embedOrigin;
    this.html = readSource('index.html').replace('EMBED_ORIGIN', origin ?? '');
    this.policy = [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      "connect-src 'self'",
      `frame-ancestors ${origin ?? "'none'"}`,
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; ');
  }

  @Get()
  page(@Res({ passthrough: true }) reply: FastifyReply): string {
    this.secure(reply, 'text/html; charset=utf-8');
    return this.html;
  }

  @Get('topup.css')
  style(@Res({ passthrough: true }) reply: FastifyReply): string {
    this.secure(reply, 'text/css; charset=utf-8');
    return readSource('topup.css');
  }

  @Get('topup.js')
  @Header('cache-control', 'no-cache')
  script(@Res({ passthrough: true }) reply: FastifyReply): string {
    let script: string;
    try {
      script = readFileSync(join(BUILD, 'topup.js'), 'utf8');
    } catch {
      throw new NotFound('The top-up page is not built: npm run build:topup');
    }
    this.secure(reply, 'text/javascript; charset=utf-8');
    return script;
  }

  private secure(reply: FastifyReply, type: string): void {
    void reply.header('content-type', type).header('content-security-policy', this.policy);
    // Framing is the policy's to allow (frame-ancestors), not X-Frame-Options'.
    void reply.removeHeader('x-frame-options');
  }
}

/** The page's files live beside the sources; the build copies none, so read them from src. */
function readSource(name: string): string {
  for (const dir of [PAGE, join(__dirname, '..', '..', 'src', 'tokens', 'page')]) {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      // try the next place
    }
  }
  throw new Error(`top-up page: ${name} not found`);
}
