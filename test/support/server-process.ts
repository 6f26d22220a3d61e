import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../libs/persistence/src/project-root';

// The real server as a separate process (for restarts, crashes and several replicas on one database).

/** Compiles the server once per suite into a private directory under .test-data (it finds node_modules and prisma/ from there). */
export function buildServer(): { main: string; dispose(): void } {
  mkdirSync(join(projectRoot(), '.test-data'), { recursive: true });
  const out = mkdtempSync(join(projectRoot(), '.test-data', 'build-'));
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out], { cwd: projectRoot(), stdio: 'pipe' });
  } catch (e) {
    // type errors still emit; only a missing entry point is fatal
    if (!existsSync(join(out, 'apps', 'server', 'src', 'main.js'))) throw new Error(`build failed: ${String((e as { stdout?: Buffer }).stdout ?? e)}`);
  }
  return { main: join(out, 'apps', 'server', 'src', 'main.js'), dispose: () => rmSync(out, { recursive: true, force: true }) };
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** Starts the server and waits until GET /api/v1/status answers 200. */
export async function startServerProcess(main: string, env: Record<string, string>, timeoutMs = 25_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [main], {
    cwd: projectRoot(),
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const url = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`${url}/api/v1/status`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, output: () => out };
}

/** SIGTERM (graceful) or SIGKILL (crash); resolves with the exit code once the process is gone. */
export async function stopServerProcess(p: ServerProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number | null> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.child.exitCode;
  const exited = new Promise<number | null>((ok) => p.child.once('exit', (code) => ok(code)));
  p.child.kill(signal);
  return exited;
}

/** A small JSON client for a server process. */
export async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
