import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build:ui` writes the single-page app (served at / by `aima serve`). */
export const UI_DIST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/ui');

/** Where live sources' recorded segments live under the data directory. */
export function recordingsRoot(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'recordings');
}
