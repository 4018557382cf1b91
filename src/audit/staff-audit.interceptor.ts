import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mergeMap, Observable } from 'rxjs';
import { CASH_BATCHES_PATH } from '../cash/cash.schemas';
import { AppConfig } from '../config/app-config';
import { FourEyesRequired, NoteRequired } from '../auth/staff-rules.errors';
import { AuditEntry, AuditTrail } from './audit-trail';

type Body = Record<string, unknown> | undefined;
type Describe = (request: FastifyRequest, answer: Body) => Omit<AuditEntry, 'actor'>;

/** The API routes a staff session acts through, and what each one's record says. */
const AUDITED: Record<string, Describe> = {
  'POST /v1/cash-payments': (request, answer) => {
    const body = request.body as Body;
    return {
      action: 'cash-letter',
      paymentId: answer?.paymentId as string,
      detail: {
        status: String(answer?.status),
        ...(answer?.reason ? { reason: String(answer.reason) } : {}),
        amountMinor: Number(body?.amountMinor),
        currency: String(body?.currency),
        receivedOn: String(body?.receivedOn),
      },
    };
  },
  'POST /v1/cash-batches': (request, answer) => ({
    action: 'batch-confirmed',
    detail: {
      letters: (answer?.payments as unknown[] | undefined)?.length ?? 0,
      countedTotalMinor: Number((request.body as Body)?.countedTotalMinor),
      credited: Number(answer?.credited),
      unmatched: Number(answer?.unmatched),
    },
  }),
  'POST /v1/unmatched-payments/:paymentId/resolution': (request, answer) => ({
    action: 'resolution',
    paymentId: answer?.paymentId as string,
    detail: {
      action: String((request.body as Body)?.action),
      status: String(answer?.status),
      note: String((request.body as Body)?.note ?? ''),
    },
  }),
  'POST /v1/bank-statements': (_request, answer) => {
    const credits = (answer?.credits ?? {}) as Record<string, number>;
    return {
      action: 'statement-upload',
      detail: {
        files: Number(answer?.files),
        entries: Number(answer?.entries),
        credited: Number(credits.credited),
        unmatched: Number(credits.unmatched),
        duplicate: Number(credits.duplicate),
      },
    };
  },
};

/**
 * Writes the audit record of what a staff session did through the API routes
 * (the console's one path for money), once the route has answered and before
 * the answer is sent. API keys are machines: their calls are not audited as
 * a person's. Also holds the rules the console adds to those routes: with
 * CASH_FOUR_EYES a batch goes through /v1/cash-batch-drafts, for everyone,
 * and a session's resolution carries a note.
 */
@Injectable()
export class StaffAuditInterceptor implements NestInterceptor {
  constructor(
    @Inject(AuditTrail) private readonly audit: AuditTrail,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    if (route === `POST ${CASH_BATCHES_PATH}` && this.config.console.fourEyes)
      throw new FourEyesRequired(
        'CASH_FOUR_EYES is on: enter the batch at POST /v1/cash-batch-drafts; a second staff account confirms it.',
      );
    const staff = request.staff;
    const describe = AUDITED[route];
    if (!staff || !describe) return next.handle();
    if (route.endsWith('/resolution') && !(request.body as Body)?.note)
      throw new NoteRequired('Say in a note why it is resolved so; nothing was changed.', [
        { path: 'note', message: 'required from the console' },
      ]);
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      mergeMap(async (answer: unknown) => {
        // A replayed answer (the same Idempotency-Key) was recorded when it was first given.
        if (reply.getHeader('idempotent-replayed') !== 'true')
          await this.audit.record({ actor: staff.name, ...describe(request, answer as Body) });
        return answer;
      }),
    );
  }
}
