import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../libs/persistence/src';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEST_DB__?.stop();
  if (!process.env.KEEP_TEST_DATA) rmSync(join(projectRoot(), '.test-data'), { recursive: true, force: true });
}
