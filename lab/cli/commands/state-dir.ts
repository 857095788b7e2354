/**
 * The state folder the basecamp commands use: `--state-dir`, else
 * LAB_STATE_DIR, else `.lab` in the project root.
 */
import { resolve } from 'node:path';
import { defaultStateDir } from '../../basecamp/index.ts';

export function resolveStateDir(root: string, flag: string | undefined): string {
  if (flag) return resolve(flag);
  if (process.env.LAB_STATE_DIR) return resolve(process.env.LAB_STATE_DIR);
  return defaultStateDir(root);
}
