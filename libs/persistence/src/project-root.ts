import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found by walking up from this file (works from `src/` under ts-jest and from `dist/`). */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'prisma', 'migrations'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find prisma/migrations above ' + __dirname);
    dir = parent;
  }
  return dir;
}
