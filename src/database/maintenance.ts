import { DataSource } from 'typeorm';

/**
 * PostgreSQL's VACUUM of the given tables, outside any transaction (as it must
 * run); `full` writes them anew. False on SQLite, which zeroes deleted cells as
 * it goes (secure_delete).
 */
export async function vacuum(
  dataSource: DataSource,
  tables: readonly string[],
  options: { full: boolean },
): Promise<boolean> {
  if (dataSource.options.type !== 'postgres') return false;
  await dataSource.query(`VACUUM ${options.full ? 'FULL ' : ''}${tables.join(', ')}`);
  return true;
}
