import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditTrail } from '../audit/audit-trail';
import { AppConfig } from '../config/app-config';
import { Unauthenticated } from '../auth/auth.errors';
import { Public, Roles } from '../auth/roles.decorator';
import { ApiProblems } from '../http/api-problems';
import { NotFound } from '../common/domain-error';
import {
  accountParamsSchema,
  enrolmentCompletionSchema,
  enrolmentSchema,
  enrolmentSecretSchema,
  SignIn,
  signInSchema,
  staffAccountsSchema,
  staffSessionSchema,
} from './staff.schemas';
import { StaffAccounts } from './staff-accounts.service';
import { SESSION_COOKIE, StaffSessions } from './staff-sessions';
import { EnrolmentInvalid, SignInFailed, SignInLocked, WeakPassword } from './staff.errors';

function sessionCookie(value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

@ApiTags('staff')
@Controller('v1/staff')
export class StaffSessionController {
  constructor(
    @Inject(StaffAccounts) private readonly accounts: StaffAccounts,
    @Inject(StaffSessions) private readonly sessions: StaffSessions,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** The cookie lives no longer than the session's absolute timeout. */
  private get sessionSeconds(): number {
    return Math.floor(this.config.console.sessionMaxMs / 1000);
  }

  @Post('session')
  @Public()
  @ApiOperation({ summary: 'Sign in with name, password and a TOTP code; sets the session cookie' })
  @ApiProblems(SignInFailed, SignInLocked)
  @ApiResponse({ status: 201, standardSchema: staffSessionSchema })
  async signIn(
    @Body({ schema: signInSchema }) body: SignIn,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const account = await this.accounts.signIn(body.name, body.password, body.oneTimeCode);
    const session = await this.sessions.open(account);
    await this.audit.record({ actor: account.name, action: 'sign-in' });
    void reply.header('set-cookie', sessionCookie(session.id, this.sessionSeconds));
    void reply.header('cache-control', 'no-store');
    return {
      name: account.name,
      role: account.role,
      locale: account.locale,
      csrfToken: session.csrfToken,
    };
  }

  @Get('session')
  @ApiCookieAuth('staff-session')
  @Roles('staff', 'admin')
  @ApiOperation({ summary: 'The signed-in staff account and its CSRF token' })
  @ApiResponse({ status: 200, standardSchema: staffSessionSchema })
  current(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const staff = request.staff;
    if (!staff) throw new Unauthenticated('sign in to the console');
    void reply.header('cache-control', 'no-store');
    return { name: staff.name, role: staff.role, locale: staff.locale, csrfToken: staff.csrfToken };
  }

  @Delete('session')
  @ApiCookieAuth('staff-session')
  @HttpCode(204)
  @Roles('staff', 'admin')
  @ApiOperation({ summary: 'Sign out: the session ends on the server' })
  async signOut(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const staff = request.staff;
    if (!staff) throw new Unauthenticated('no staff session');
    await this.sessions.close(staff.sessionHash);
    await this.audit.record({ actor: staff.name, action: 'sign-out' });
    void reply.header('set-cookie', sessionCookie('', 0));
  }

  @Post('enrolment')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'The TOTP secret of an enrolment link, to add to an authenticator' })
  @ApiProblems(EnrolmentInvalid)
  @ApiResponse({ status: 200, standardSchema: enrolmentSecretSchema })
  enrolment(@Body({ schema: enrolmentSchema }) body: { token: string }) {
    return this.accounts.enrolment(body.token);
  }

  @Post('enrolment/completion')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Set the password and prove the authenticator; spends the link' })
  @ApiProblems(EnrolmentInvalid, WeakPassword)
  async completeEnrolment(
    @Body({ schema: enrolmentCompletionSchema })
    body: {
      token: string;
      password: string;
      oneTimeCode: string;
    },
  ) {
    await this.accounts.completeEnrolment(body.token, body.password, body.oneTimeCode);
  }
}

@ApiTags('staff')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/staff-accounts')
export class StaffAccountsController {
  constructor(@Inject(StaffAccounts) private readonly accounts: StaffAccounts) {}

  @Get()
  @ApiOperation({ summary: 'Staff accounts: role, status, last sign-in' })
  @ApiResponse({ status: 200, standardSchema: staffAccountsSchema })
  async list() {
    return { items: await this.accounts.list() };
  }

  @Post(':name/disable')
  @HttpCode(204)
  @ApiOperation({ summary: 'End an account and all its sessions at once' })
  @ApiProblems(NotFound)
  async disable(
    @Param({ schema: accountParamsSchema }) params: { name: string },
    @Req() request: FastifyRequest,
  ) {
    const actor = request.staff?.name ?? 'api-key:admin';
    if (!(await this.accounts.disable(params.name, actor)))
      throw new NotFound('No account with this name.');
  }
}
