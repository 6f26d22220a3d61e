// Small helpers shared by the reliability suites (real server processes, real PostgreSQL, no mocks).

export interface Answer {
  status: number;
  body: any;
  text: string;
  ms: number;
}

/**
 * One HTTP call with a hard client-side timeout. Throws on a transport failure (connection refused or
 * reset, timeout): for a write that means "outcome unknown", never "not written".
 */
export async function send(url: string, method: string, path: string, body?: unknown, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, ms: Date.now() - started };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** VmRSS of a process in KiB (Linux /proc). */
export function rssKiB(pid: number): number {
  const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string;
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** A deployment that never runs (desired CANCELLED): writes only, no reconciler work. */
export function deploymentBody(name: string, target: string, labels: Record<string, string> = {}) {
  return {
    metadata: { name, labels },
    spec: {
      state: 'CANCELLED',
      deploymentTargetName: target,
      template: { spec: { artifact: { kind: 'JAR', jarUri: 'https://repo.example.com/jobs/job-1.0.jar' }, parallelism: 1 } },
    },
  };
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
