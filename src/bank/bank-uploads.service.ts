import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AppConfig } from '../config/app-config';
import { Idempotency, StoredResponse } from '../http/idempotency';
import { Metrics } from '../metrics/metrics';
import { ImportThread } from './import-thread';
import { ImportReport } from './import-report';
import { SpooledUpload } from './statement-sources';

/**
 * Statements uploaded over HTTP: spooled to DATA_DIR/spool within
 * BANK_UPLOAD_LIMIT_BYTES, imported in parts under the request's
 * Idempotency-Key (fingerprinted by the upload's digest), and the spooled copy
 * erased whatever happened.
 */
@Injectable()
export class BankUploadsService implements OnModuleInit {
  constructor(
    @Inject(ImportThread) private readonly imports: ImportThread,
    @Inject(Idempotency) private readonly idempotency: Idempotency,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  /** A crash mid-upload leaves a spooled statement behind: erased before anything else. */
  onModuleInit(): void {
    SpooledUpload.sweep(this.spoolDir);
  }

  async import(body: Readable, key: string | undefined): Promise<StoredResponse<ImportReport>> {
    const upload = await SpooledUpload.from(body, this.config.bankUploadLimitBytes, this.spoolDir);
    const imported = this.metrics.importStarted('upload');
    try {
      const answer = await this.idempotency.runInParts(
        key,
        { scope: 'bank-statement', body: upload.digest },
        201,
        () => this.imports.importFiles([{ path: upload.path, size: upload.size }]),
      );
      if (!answer.replayed) imported(answer.body.entries);
      return answer;
    } finally {
      upload.discard();
    }
  }

  private get spoolDir(): string {
    return join(this.config.dataDir, 'spool');
  }
}
