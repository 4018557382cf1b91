import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BankImportService, ImportProgress } from '../bank/bank-import.service';
import { addReports, emptyReport, ImportReport } from '../bank/import-report';

/** The files named, with folders expanded to the files directly in them, in name order. */
export function statementFiles(paths: string[]): { path: string; size: number }[] {
  return paths.flatMap((path) => {
    const stat = statSync(path);
    if (!stat.isDirectory()) return [{ path, size: stat.size }];
    return readdirSync(path)
      .sort()
      .map((name) => join(path, name))
      .filter((file) => statSync(file).isFile())
      .map((file) => ({ path: file, size: statSync(file).size }));
  });
}

function bar(p: ImportProgress): string {
  const width = 30;
  const share = p.size ? Math.min(1, p.bytes / p.size) : 0;
  const filled = Math.round(share * width);
  return `\r${p.file.slice(-30).padEnd(30)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(
    share * 100,
  )
    .toString()
    .padStart(3)}%  ${p.transactions} transactions`;
}

/**
 * Imports each file as its own import (whole or not at all); a file that
 * fails is reported and the others go on. Returns the summed report and the
 * failures; progress goes to stderr when it is a terminal.
 */
export async function bankImport(
  service: BankImportService,
  paths: string[],
  err: { isTTY?: boolean; write(text: string): unknown },
  options: { progressLines?: boolean } = {},
): Promise<{ report: ImportReport; failures: { file: string; message: string }[] }> {
  // A bar on a terminal; plain lines (for logs of scheduled runs) with --progress.
  const onProgress = err.isTTY
    ? (p: ImportProgress) => err.write(bar(p))
    : options.progressLines
      ? (p: ImportProgress) => err.write(`${p.file}: ${p.transactions} transactions\n`)
      : undefined;
  let report = emptyReport();
  const failures: { file: string; message: string }[] = [];
  for (const file of statementFiles(paths)) {
    try {
      const one = await service.importFiles([file], onProgress);
      report = addReports(report, one);
    } catch (error) {
      failures.push({ file: file.path, message: (error as Error).message });
    } finally {
      if (err.isTTY) err.write('\n');
    }
  }
  return { report, failures };
}
