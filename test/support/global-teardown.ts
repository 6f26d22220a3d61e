import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const db = globalThis.__TEST_DB__;
  await db?.stop();
  if (process.env.KEEP_TEST_DATA || !db?.dir) return;
  // only this run's directory: other jest runs may be using theirs concurrently
  rmSync(db.dir, { recursive: true, force: true });
}
