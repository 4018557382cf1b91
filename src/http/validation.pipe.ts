import { StandardSchemaValidationPipe } from '@nestjs/common';
import { ValidationFailed } from '../common/domain-error';

interface Issue {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
}

/**
 * The one global pipe: every `@Body({ schema })`, `@Query({ schema })` and
 * `@Param({ schema })` is validated by its zod schema, and failures become a
 * problem document with one entry per field.
 */
export function createValidationPipe(): StandardSchemaValidationPipe {
  return new StandardSchemaValidationPipe({
    exceptionFactory: (issues: readonly Issue[]) =>
      new ValidationFailed(
        'Some fields are missing or invalid.',
        issues.map((issue) => ({
          path:
            (issue.path ?? []).map((s) => String(typeof s === 'object' ? s.key : s)).join('.') ||
            '(body)',
          message: issue.message,
        })),
      ),
  } as ConstructorParameters<typeof StandardSchemaValidationPipe>[0]);
}
