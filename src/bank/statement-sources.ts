import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { DomainError } from '../common/domain-error';
import { StatementRejected, StatementTooLarge } from './bank.errors';

/** One CAMT document to read: a file, an upload or a member of a ZIP. */
export interface StatementSource {
  name: string;
  size: number | null;
  open(): Readable;
}

/** Counts bytes through a stream and stops it at a limit (or when `onBytes` throws). */
export function byteLimit(limit: number, onBytes?: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total > limit) return callback(new StatementTooLarge(`The limit is ${limit} bytes.`));
      try {
        onBytes?.(total);
      } catch (error) {
        return callback(error as Error);
      }
      callback(null, chunk);
    },
  });
}

/**
 * An upload, first written to a private file in the data folder: the statement
 * is then imported from disk, so a slow client never holds the database's write
 * lock, and the body is never held in memory whole. The digest identifies the
 * upload for Idempotency-Key. The file holds codes, names and IBANs in clear,
 * so it is overwritten with zeros before it is removed (best effort: a
 * copy-on-write file system or an SSD may keep the old blocks; see
 * docs/threat-model.md).
 */
export class SpooledUpload {
  private constructor(
    readonly path: string,
    readonly size: number,
    readonly digest: string,
    private readonly dir: string,
  ) {}

  static async from(body: Readable, limit: number, spoolDir: string): Promise<SpooledUpload> {
    mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
    const dir = mkdtempSync(join(spoolDir, 'upload-'));
    const path = join(dir, 'upload');
    const hash = createHash('sha256');
    let size = 0;
    try {
      await pipeline(
        body,
        byteLimit(limit, (total) => (size = total)),
        new Transform({
          transform(chunk: Buffer, _e, callback) {
            hash.update(chunk);
            callback(null, chunk);
          },
        }),
        createWriteStream(path, { mode: 0o600 }),
      );
    } catch (error) {
      // An aborted upload held part of a statement: erased like a finished one.
      eraseTree(dir);
      throw error;
    }
    return new SpooledUpload(path, size, hash.digest('hex'), dir);
  }

  /**
   * Erases whatever a crash left in the spool folder (a kill -9 mid-upload
   * skips discard): called at start-up, before any upload is taken.
   */
  static sweep(spoolDir: string): number {
    if (!existsSync(spoolDir)) return 0;
    const left = readdirSync(spoolDir);
    for (const entry of left) eraseTree(join(spoolDir, entry));
    return left.length;
  }

  discard(): void {
    eraseTree(this.dir);
  }
}

/** Overwrites every file under `path` with zeros, to disk, then removes it all. */
function eraseTree(path: string): void {
  try {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) for (const entry of readdirSync(path)) eraseTree(join(path, entry));
    else if (stat?.isFile()) overwrite(path, stat.size);
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

function overwrite(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    const zeros = Buffer.alloc(64 * 1024);
    for (let at = 0; at < size; at += zeros.length) {
      writeSync(fd, zeros, 0, Math.min(zeros.length, size - at), at);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fileSource(
  path: string,
  size: number | null,
  name = basename(path),
): StatementSource {
  return { name, size, open: () => createReadStream(path, { highWaterMark: 16 * 1024 }) };
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** True when the file starts like a ZIP archive (local file header). */
export async function looksLikeZip(path: string): Promise<boolean> {
  const stream = createReadStream(path, { start: 0, end: 3 });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).equals(ZIP_MAGIC);
}

/**
 * Bytes an archive may unpack to per byte it holds. CAMT deflates 5 to 10 to 1
 * (the public corpus), a generated statement of near-identical entries 55 to 1;
 * deflate's most is about 1,030 to 1, which only made-up content reaches.
 */
export const MAX_ZIP_RATIO = 200;
/** An archive that unpacks to no more than this is not judged by its ratio. */
export const ZIP_RATIO_FLOOR_BYTES = 1024 * 1024;

/**
 * The members of a ZIP archive, one at a time. The members together may unpack
 * to `unpackedLimit` bytes (by default the one member's limit) and to
 * MAX_ZIP_RATIO times the archive's size: the work an upload causes stays in
 * proportion to its size. Sizes are checked as the archive declares them before
 * any member is opened, and as its bytes are read (a ZIP bomb stops at the
 * limit, not at the disk's end).
 */
export async function* zipSources(
  path: string,
  memberLimit: number,
  maxMembers = 1000,
  unpackedLimit = memberLimit,
): AsyncGenerator<StatementSource> {
  const archiveBytes = statSync(path).size;
  const byRatio = Math.max(MAX_ZIP_RATIO * archiveBytes, ZIP_RATIO_FLOOR_BYTES);
  const allowed = Math.min(unpackedLimit, byRatio);
  /** Refuses `bytes` unpacked in all, naming the limit that they pass. */
  const check = (bytes: number, member: string) => {
    if (bytes <= allowed) return;
    throw allowed === unpackedLimit
      ? new StatementTooLarge(`the archive unpacks to more than ${unpackedLimit} bytes`, [
          { path: member, message: 'bank.zip-unpacked-size' },
        ])
      : new StatementTooLarge(
          `the archive unpacks to more than ${MAX_ZIP_RATIO} times its size of ${archiveBytes} bytes`,
          [{ path: member, message: 'bank.zip-ratio' }],
        );
  };
  const zip = await new Promise<yauzl.ZipFile>((done, fail) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, file) =>
      error
        ? fail(new StatementRejected(`not a readable ZIP archive: ${error.message}`))
        : done(file),
    ),
  );
  try {
    // The whole listing first: an archive past a limit is refused before any
    // member is unpacked, and before any of them reaches the database.
    const entries: yauzl.Entry[] = [];
    let declared = 0;
    for (let entry = await nextEntry(zip); entry !== null; entry = await nextEntry(zip)) {
      if (entry.fileName.endsWith('/')) continue;
      if (entries.push(entry) > maxMembers)
        throw new StatementRejected(`the ZIP archive holds more than ${maxMembers} files`);
      if (entry.uncompressedSize > memberLimit) {
        throw new StatementTooLarge(`${entry.fileName} unpacks to more than ${memberLimit} bytes`);
      }
      check((declared += entry.uncompressedSize), entry.fileName);
    }
    let unpacked = 0;
    for (const entry of entries) {
      const stream = await new Promise<Readable>((done, fail) =>
        zip.openReadStream(entry, (error, s) =>
          error ? fail(new StatementRejected(`${entry.fileName}: ${error.message}`)) : done(s),
        ),
      );
      let opened = false;
      yield {
        name: entry.fileName,
        size: entry.uncompressedSize,
        open: () => {
          if (opened) throw new Error('a ZIP member can be read once');
          opened = true;
          // Counted as read too: the sizes an archive declares are its own word.
          let counted = 0;
          const limited = byteLimit(memberLimit, (total) => {
            unpacked += total - counted;
            counted = total;
            check(unpacked, entry.fileName);
          });
          // A damaged member (bad deflate data, sizes that do not match) is the file's fault.
          stream.on('error', (error) =>
            limited.destroy(
              error instanceof DomainError
                ? error
                : new StatementRejected(
                    `${entry.fileName}: the ZIP member is damaged: ${error.message}`,
                    [{ path: entry.fileName, message: 'bank.zip-damaged' }],
                  ),
            ),
          );
          return stream.pipe(limited);
        },
      };
      if (!opened) stream.resume();
    }
  } finally {
    zip.close();
  }
}

/** The archive's next entry, or null at the end of its listing. */
function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((done, fail) => {
    const onEntry = (entry: yauzl.Entry) => {
      zip.off('end', onEnd);
      zip.off('error', onError);
      done(entry);
    };
    const onEnd = () => {
      zip.off('entry', onEntry);
      zip.off('error', onError);
      done(null);
    };
    const onError = (error: Error) => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      fail(new StatementRejected(`the ZIP archive is damaged: ${error.message}`));
    };
    zip.once('entry', onEntry).once('end', onEnd).once('error', onError);
    zip.readEntry();
  });
}
