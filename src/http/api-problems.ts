import { ApiExtension } from '@nestjs/swagger';
import { z } from 'zod';
import {
  DomainError,
  PROBLEM_BASE,
  ServiceUnavailable,
  ValidationFailed,
} from '../common/domain-error';
import { Forbidden, Unauthenticated } from '../auth/auth.errors';
import { IdempotencyKeyReused } from './idempotency';

/** One kind of error answer: a `type` URI (PROBLEM_BASE + slug), its status and title. */
export interface ProblemKind {
  readonly slug: string;
  readonly status: number;
  readonly title: string;
}

/** The answers Fastify and Nest give before a controller runs, by status (ProblemFilter). */
export const HTTP_PROBLEMS = {
  400: { slug: 'bad-request', status: 400, title: 'The request is not valid' },
  404: { slug: 'not-found', status: 404, title: 'Not found' },
  405: { slug: 'method-not-allowed', status: 405, title: 'Method not allowed' },
  413: { slug: 'payload-too-large', status: 413, title: 'The request body is too large' },
  414: { slug: 'uri-too-long', status: 414, title: 'The URL is too long' },
  415: { slug: 'unsupported-media-type', status: 415, title: 'Unsupported media type' },
  429: { slug: 'too-many-requests', status: 429, title: 'Too many requests' },
} as const satisfies Record<number, ProblemKind>;

export const INTERNAL_PROBLEM: ProblemKind = {
  slug: 'internal',
  status: 500,
  title: 'Internal error',
};

type DomainErrorClass = new (...args: never[]) => DomainError;

/** The kind a domain error class answers with, read from an instance. */
export function problemKind(error: DomainErrorClass | ProblemKind): ProblemKind {
  if (typeof error !== 'function') return error;
  const { slug, status, title } = new (error as unknown as new (detail: string) => DomainError)('');
  return { slug, status, title };
}

/** The RFC 9457 problem document every error answer is (ProblemFilter writes it). */
export const problemSchema = z
  .object({
    type: z.string().describe(`${PROBLEM_BASE}/<slug>: one per rule; switch on it`),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('the fields at fault, for validation errors'),
  })
  .describe('RFC 9457 problem details');

const EXTENSION = 'x-problems';

/**
 * The rules a route's own code may refuse a request by. The answers every
 * route of its kind can give (authentication, validation, body limits,
 * Idempotency-Key, an unavailable database) are added by {@link describeProblems}
 * from the operation itself, so a route lists only what is its own.
 */
export function ApiProblems(...errors: (DomainErrorClass | ProblemKind)[]): MethodDecorator {
  return ApiExtension(EXTENSION, errors.map(problemKind)) as MethodDecorator;
}

interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, unknown>;
  [EXTENSION]?: ProblemKind[];
}

const validation = problemKind(ValidationFailed);

/** The error answers an operation can give because of what it is. */
function commonProblems(method: string, operation: Operation): ProblemKind[] {
  const kinds: ProblemKind[] = [INTERNAL_PROBLEM, problemKind(ServiceUnavailable)];
  const parameters = operation.parameters ?? [];
  if ((operation.security ?? []).length > 0) {
    kinds.push(problemKind(Unauthenticated), problemKind(Forbidden), HTTP_PROBLEMS[429]);
  }
  if (parameters.some((p) => p.in === 'path' || p.in === 'query')) kinds.push(validation);
  if (parameters.some((p) => p.in === 'path')) kinds.push(HTTP_PROBLEMS[414]);
  // Fastify reads a body on these methods whatever the route does with it.
  if (['post', 'put', 'patch', 'delete'].includes(method)) {
    kinds.push(validation, HTTP_PROBLEMS[400], HTTP_PROBLEMS[413], HTTP_PROBLEMS[415]);
  }
  if (parameters.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')) {
    kinds.push(validation, problemKind(IdempotencyKeyReused));
  }
  return kinds;
}

/**
 * Adds every error answer to every operation of the document: one response per
 * status, a problem+json body whose `type` is one of the rules that answer with
 * that status. A client generated from the document knows each answer it can get.
 */
export function describeProblems(document: {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}): void {
  const schemas = (document.components ??= {}).schemas ?? (document.components.schemas = {});
  schemas.Problem = z.toJSONSchema(problemSchema, { target: 'openapi-3.0' });
  for (const operations of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const kinds = [...commonProblems(method, operation), ...(operation[EXTENSION] ?? [])];
      delete operation[EXTENSION];
      const byStatus = new Map<number, Map<string, ProblemKind>>();
      for (const kind of kinds) {
        const same = byStatus.get(kind.status) ?? new Map<string, ProblemKind>();
        same.set(kind.slug, kind);
        byStatus.set(kind.status, same);
      }
      for (const [status, same] of [...byStatus].sort(([a], [b]) => a - b)) {
        const rules = [...same.values()];
        operation.responses[String(status)] = {
          description: rules.map((r) => `${r.slug}: ${r.title}`).join('; '),
          content: {
            'application/problem+json': {
              schema: {
                allOf: [
                  { $ref: '#/components/schemas/Problem' },
                  {
                    type: 'object',
                    properties: {
                      type: { type: 'string', enum: rules.map((r) => `${PROBLEM_BASE}/${r.slug}`) },
                      status: { type: 'integer', enum: [status] },
                    },
                  },
                ],
              },
            },
          },
        };
      }
    }
  }
}
