import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AppConfig } from '../config/app-config';
import { Idempotency, StoredResponse } from '../http/idempotency';
import { BankImportService } from './bank-import.service';
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
    @Inject(BankImportService) private readonly bank: BankImportService,
    @Inject(Idempotency) private readonly idempotency: Idempotency,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** A crash mid-upload leaves a spooled statement behind: erased before anything else. */
  onModuleInit(): void {
    SpooledUpload.sweep(this.spoolDir);
  }

  async import(body: Readable, key: string | undefined): Promise<StoredResponse<ImportReport>> {
    const upload = await SpooledUpload.from(body, this.config.bankUploadLimitBytes, this.spoolDir);
    try {
      return await this.idempotency.runInParts(
        key,
        { scope: 'bank-statement', body: upload.digest },
        201,
        () => this.bank.importSources(this.bank.expand([{ path: upload.path, size: upload.size }])),
      );
    } finally {
      upload.discard();
    }
  }

  private get spoolDir(): string {
    return join(this.config.dataDir, 'spool');
  }
}
