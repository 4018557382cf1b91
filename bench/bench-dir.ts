/** Where the benchmarks write: a folder on a real disk, said out loud. */
import { mkdirSync, mkdtempSync, statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** statfs(2) f_type of the file systems seen here; the first two keep files in memory. */
const FILE_SYSTEMS = new Map<number, string>([
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
  [0xef53, 'ext2/3/4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x794c7630, 'overlayfs'],
]);
const IN_MEMORY = new Set(['tmpfs', 'ramfs']);

/**
 * A fresh folder under BENCH_DIR (default bench/out/ of this checkout, which git
 * ignores), never on tmpfs or ramfs: there fsync costs nothing and a durable
 * commit would look free. Prints the folder and its file system.
 */
export function benchDir(prefix: string): string {
  const root = resolve(process.env.BENCH_DIR ?? join(__dirname, 'out'));
  mkdirSync(root, { recursive: true });
  const type = Number(statfsSync(root).type);
  const name = FILE_SYSTEMS.get(type) ?? `type 0x${type.toString(16)}`;
  if (IN_MEMORY.has(name))
    throw new Error(`${root} is on ${name}, where fsync costs nothing: set BENCH_DIR to a disk`);
  const dir = mkdtempSync(join(root, prefix));
  console.log(`writing under ${dir} (${name})`);
  return dir;
}
