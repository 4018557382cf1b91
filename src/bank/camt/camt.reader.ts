import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { CamtDocumentHandler } from './camt-document.handler';
import type { CamtSummary, CamtTransaction } from './camt-transaction';
import { XmlBytesDecoder } from './xml-bytes.decoder';

export interface CamtReadOptions {
  /** Named in every error message, e.g. "statement.xml:12: ...". */
  fileName: string;
}

/** The transactions of one CAMT file, read as they are iterated. */
export interface CamtRead extends AsyncIterable<CamtTransaction> {
  /** What the file held; available once iteration has finished without error. */
  readonly summary: CamtSummary;
}

/**
 * Reads a camt.052/053/054 file from a byte stream. Each iteration step reads one
 * chunk, hands it to the XML parser and yields the transactions it completed, so a
 * slow consumer holds the reading back and memory stays flat at any file size.
 * Errors are CamtErrors that name the file and line. The input must give bytes
 * (no setEncoding): the reader finds the encoding itself.
 */
export function readCamt(input: Readable, options: CamtReadOptions): CamtRead {
  let summary: CamtSummary | null = null;
  let started = false;
  return {
    get summary(): CamtSummary {
      if (summary === null) throw new Error('the CAMT summary is known once reading has finished');
      return summary;
    },
    [Symbol.asyncIterator]() {
      if (started) throw new Error('a CAMT read can be iterated once');
      started = true;
      return transactions(input, options.fileName, (done) => (summary = done));
    },
  };
}

/** Opens a file and reads it; errors name the file by its base name. */
export function readCamtFile(path: string, options?: Partial<CamtReadOptions>): CamtRead {
  return readCamt(createReadStream(path), { fileName: options?.fileName ?? basename(path) });
}

async function* transactions(
  input: Readable,
  fileName: string,
  finish: (summary: CamtSummary) => void,
): AsyncGenerator<CamtTransaction> {
  const handler = new CamtDocumentHandler(fileName);
  const decoder = new XmlBytesDecoder((reason, detail, linesBefore) =>
    handler.fail(`camt.${reason}`, detail, handler.line + linesBefore),
  );
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    handler.write(decoder.decode(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    for (const transaction of handler.drain()) yield transaction;
  }
  handler.write(decoder.end());
  const summary = handler.close();
  for (const transaction of handler.drain()) yield transaction;
  finish(summary);
}
