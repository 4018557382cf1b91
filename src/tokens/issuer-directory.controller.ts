import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/roles.decorator';
import { AppConfig } from '../config/app-config';
import { IssuerDirectory, issuerDirectorySchema } from './tokens.schemas';
import { TOKEN_TYPE } from './private-token';
import { TokenKey, TokenKeys } from './token-keys.service';

const DIRECTORY_TYPE = 'application/private-token-issuer-directory';
/** A day as the directory states times: seconds since the epoch, at its start (UTC). */
const seconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

/**
 * The issuer directory of RFC 9578 (section 4), with the members a client of
 * denominations needs beside the RFC's: each key's value and the end of its
 * signing and of its redemption; the issuer name of the challenge; the
 * largest delay the top-up page waits before it redeems.
 */
@ApiTags('tokens')
@Public()
@Controller('.well-known')
export class IssuerDirectoryController {
  constructor(
    @Inject(TokenKeys) private readonly keys: TokenKeys,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  @Get('private-token-issuer-directory')
  @ApiOperation({ summary: 'The public keys per denomination, with their validity (RFC 9578)' })
  @ApiProduces(DIRECTORY_TYPE)
  @ApiResponse({ status: 200, standardSchema: issuerDirectorySchema })
  async directory(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', DIRECTORY_TYPE).header('cache-control', 'max-age=300');
    const keys = await this.keys.live();
    // Serialised here: Fastify serialises objects only for JSON content types.
    return JSON.stringify(this.describe(keys));
  }

  private describe(keys: readonly TokenKey[]): IssuerDirectory {
    return {
      'issuer-request-uri': '/v1/token-withdrawals',
      'token-keys': keys.map((k) => ({
        'token-type': TOKEN_TYPE as 2,
        'token-key': k.tokenKey,
        'not-before': seconds(k.notBefore),
        denomination: { amountMinor: k.denominationMinor, currency: k.currency },
        'sign-until': seconds(k.signUntil) + 86_400,
        'redeem-until': seconds(k.redeemUntil) + 86_400,
      })),
      'issuer-name': this.config.tokens.issuerName,
      'redeem-delay-max-seconds': this.config.tokens.redeemDelayMaxSeconds,
    };
  }
}
