/**
 * Every way a CAMT file can be refused, as a stable code that callers (the import
 * report, the CLI, the conformance script) can branch on without parsing messages.
 */
export type CamtErrorCode =
  | 'camt.malformed-xml'
  | 'camt.doctype-forbidden'
  | 'camt.unsupported-encoding'
  | 'camt.invalid-encoding'
  | 'camt.not-camt'
  | 'camt.unknown-namespace'
  | 'camt.multiple-documents'
  | 'camt.no-statements'
  | 'camt.missing-amount'
  | 'camt.invalid-amount'
  | 'camt.invalid-credit-debit'
  | 'camt.missing-status'
  | 'camt.invalid-date'
  | 'camt.text-too-long'
  | 'camt.name-too-long'
  | 'camt.nesting-too-deep'
  | 'camt.too-many-attributes'
  | 'camt.field-too-long'
  | 'camt.too-many-repeats'
  | 'camt.entry-too-large';

/** What the reader read in a way the file did not say outright; the import report shows it. */
export type CamtWarningCode = 'camt.missing-status-read-as-booked';

/** A file the reader refuses; the message starts with `file:line:` like a compiler's. */
export class CamtError extends Error {
  constructor(
    readonly code: CamtErrorCode,
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
    this.name = 'CamtError';
  }
}
