import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file's location so it works from any cwd. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared Binance data set: ../shared/data beside the repo, or PERPETUA_SHARED_DATA. */
export const sharedDataDir = (): string =>
  process.env.PERPETUA_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');
