import { ServiceUnavailable } from '../common/domain-error';

/** A transaction the database did not accept (disk full, server gone): a 503 naming the driver's code only. */
export function unavailable(error: unknown): Error {
  const code = (error as { code?: string }).code ?? 'unknown';
  return new ServiceUnavailable(`the database did not accept the transaction (${code})`);
}
