'use strict';
// `npm run bench`: HTTP throughput and latency of the real server (dist build) on its own embedded
// PostgreSQL, next to a raw node:http + pg baseline doing the same "GET one" query.
//
// Layout: this process runs PostgreSQL (child processes of its own), seeds over HTTP and drives the
// load with autocannon; the server and the baseline each run in a forked Node process, so that the
// load generator and the server under test do not share one event loop.
//
// Environment: BENCH_DURATION (seconds per scenario, default 9), BENCH_WARMUP (seconds, default 2),
// BENCH_KEEP_DATA=1 keeps the temporary PostgreSQL data directory, BENCH_PROFILE=1 writes a CPU
// profile of the server process to bench-results/profiles/ (open it in Chrome DevTools).

const { fork, execFileSync } = require('node:child_process');
const { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');

const ROOT = join(__dirname, '..', '..');
const DIST = join(ROOT, 'dist');
const { startEmbeddedPostgres, freePort } = require(join(DIST, 'libs/persistence/src/embedded-postgres'));
const { applyMigrations } = require(join(DIST, 'libs/persistence/src/migrations'));

const DURATION = Number(process.env.BENCH_DURATION || 9);
const WARMUP = Number(process.env.BENCH_WARMUP || 2);
const POOL_SIZE = 20;
const NAMESPACE = 'bench';
const TARGET = 'bench-target';
const SEED_COUNT = 1000;
const ONE = 'deployment-0500';
const PATCHED = 'deployment-0001';

const TARGETS = {
  getOneVsBaseline: 0.4, // GET one ≥ 40 % of the baseline's requests/s
  listP99Ms: 200, // LIST 1,000 p99 < 200 ms
};

function deploymentBody(name, labels = { app: 'bench' }) {
  return {
    kind: 'Deployment',
    apiVersion: 'v1',
    metadata: { name, labels },
    spec: {
      state: 'CANCELLED',
      deploymentTargetName: TARGET,
      template: {
        spec: {
          parallelism: 1,
          artifact: {
            kind: 'JAR',
            flinkVersion: '1.19',
            jarUri: 'https://repo1.maven.org/maven2/org/apache/flink/flink-examples-streaming/1.19.0/flink-examples-streaming-1.19.0-WindowJoin.jar',
          },
        },
      },
    },
  };
}

// ---------- processes ----------

function forkChild(script, env, execArgv = []) {
  const child = fork(join(__dirname, script), [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise((ok, fail) => {
    child.once('message', (msg) => (msg && msg.url ? ok(msg.url) : fail(new Error(`${script}: unexpected message ${JSON.stringify(msg)}`))));
    child.once('exit', (code) => fail(new Error(`${script} exited with ${code} before it was ready`)));
  });
  const stop = () =>
    new Promise((ok) => {
      if (child.exitCode !== null || child.signalCode !== null) return ok();
      const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(force);
        ok();
      });
      child.send('stop');
    });
  return { child, ready, stop };
}

// ---------- HTTP helpers ----------

async function call(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

async function seed(base) {
  await call(base, 'POST', '/namespaces/v1/namespaces', { name: `namespaces/${NAMESPACE}` });
  await call(base, 'POST', `/api/v1/namespaces/${NAMESPACE}/deployment-targets`, {
    kind: 'DeploymentTarget',
    apiVersion: 'v1',
    metadata: { name: TARGET },
    spec: { kubernetes: { namespace: 'bench-jobs' } },
  });
  let next = 0;
  const worker = async () => {
    while (next < SEED_COUNT) {
      const i = next++;
      await call(base, 'POST', `/api/v1/namespaces/${NAMESPACE}/deployments`, deploymentBody(`deployment-${String(i).padStart(4, '0')}`));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const list = await call(base, 'GET', `/api/v1/namespaces/${NAMESPACE}/deployments`);
  if (list.items.length !== SEED_COUNT) throw new Error(`seeded ${list.items.length} deployments, expected ${SEED_COUNT}`);
}

// ---------- measuring ----------

function cannon(opts) {
  return new Promise((ok, fail) => {
    const instance = autocannon({ timeout: 30, ...opts }, (err, result) => (err ? fail(err) : ok(result)));
    // no progress bar / live table: the summary is ours
    instance.on('error', () => undefined);
  });
}

async function measure(label, opts) {
  process.stderr.write(`  ${label}: warm-up ${WARMUP}s, then ${DURATION}s with ${opts.connections} connections ...\n`);
  if (WARMUP > 0) await cannon({ ...opts, duration: WARMUP });
  const r = await cannon({ ...opts, duration: DURATION });
  const ok = r['2xx'];
  const failed = r.non2xx + r.errors + r.timeouts;
  const figures = {
    label,
    connections: opts.connections,
    durationS: r.duration,
    requests: r.requests.total,
    ok2xx: ok,
    failed,
    reqPerSec: Math.round((ok / r.duration) * 10) / 10,
    reqPerSecMean: r.requests.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMaxMs: r.latency.max,
    throughputMBps: Math.round((r.throughput.average / 1e6) * 100) / 100,
  };
  if (failed > 0) process.stderr.write(`  ! ${label}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts\n`);
  return figures;
}

// ---------- reporting ----------

function table(rows) {
  const head = ['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'MB/s', 'requests', 'failed'];
  const body = rows.map((r) => [r.label, r.connections, r.reqPerSec.toFixed(1), r.latencyP50Ms, r.latencyP99Ms, r.latencyMaxMs, r.throughputMBps, r.requests, r.failed].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function previousResults(dir) {
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    return files.length ? { file: files[files.length - 1], data: JSON.parse(readFileSync(join(dir, files[files.length - 1]), 'utf8')) } : undefined;
  } catch {
    return undefined;
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

// ---------- main ----------

async function main() {
  const cleanups = [];
  const cleanup = async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`cleanup: ${err && err.message}\n`);
      }
    }
  };
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    process.stderr.write('\ninterrupted: stopping ...\n');
    cleanup().finally(() => process.exit(130));
  });

  try {
    const dataDir = mkdtempSync(join(os.tmpdir(), 'fcp-bench-'));
    if (process.env.BENCH_KEEP_DATA !== '1') cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    process.stderr.write(`PostgreSQL: starting in ${dataDir} ...\n`);
    const db = await startEmbeddedPostgres(dataDir, { quiet: true });
    cleanups.push(() => db.stop());
    await applyMigrations(db.url);

    const port = await freePort();
    const server = forkChild('server-child.js', {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'error',
      AUTH_MODE: 'none', // the bench measures the request path, not token checks
    }, process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench-results', 'profiles')}`] : []);
    cleanups.push(server.stop);
    const base = await server.ready;
    process.stderr.write(`server: ${base}\n`);

    const baseline = forkChild('baseline-child.js', { DATABASE_URL: db.url, DATABASE_POOL_SIZE: String(POOL_SIZE) });
    cleanups.push(baseline.stop);
    const baselineBase = await baseline.ready;
    process.stderr.write(`baseline: ${baselineBase}\n`);

    process.stderr.write(`seeding: namespace "${NAMESPACE}", deployment target, ${SEED_COUNT} deployments ...\n`);
    const seedStart = Date.now();
    await seed(base);
    process.stderr.write(`seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)}s\n`);

    const coll = `/api/v1/namespaces/${NAMESPACE}/deployments`;
    // sanity: the baseline answers the same resource as the server
    const [ours, raw] = await Promise.all([call(base, 'GET', `${coll}/${ONE}`), call(baselineBase, 'GET', `${coll}/${ONE}`)]);
    if (ours.metadata.id !== raw.metadata.id) throw new Error('baseline and server disagree about the GET one resource');

    process.stderr.write('measuring:\n');
    const results = [];
    results.push(await measure('GET one', { url: `${base}${coll}/${ONE}`, connections: 32 }));
    results.push(await measure('GET one (raw baseline)', { url: `${baselineBase}${coll}/${ONE}`, connections: 32 }));
    results.push(await measure(`LIST ${SEED_COUNT}`, { url: `${base}${coll}`, connections: 4 }));
    let created = 0;
    results.push(
      await measure('POST (create)', {
        url: base,
        connections: 20,
        requests: [
          {
            method: 'POST',
            path: coll,
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: JSON.stringify(deploymentBody(`created-${++created}`)) }),
          },
        ],
      }),
    );
    let patched = 0;
    results.push(
      await measure('PATCH one (labels)', {
        url: base,
        connections: 20,
        requests: [
          {
            method: 'PATCH',
            path: `${coll}/${PATCHED}`,
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: JSON.stringify({ metadata: { labels: { bench: `v${++patched}` } } }) }),
          },
        ],
      }),
    );

    const byLabel = Object.fromEntries(results.map((r) => [r.label, r]));
    const getOne = byLabel['GET one'];
    const rawGet = byLabel['GET one (raw baseline)'];
    const list = byLabel[`LIST ${SEED_COUNT}`];
    const ratio = Math.round((getOne.reqPerSec / rawGet.reqPerSec) * 1000) / 1000;
    const targets = [
      {
        name: `GET one ≥ ${TARGETS.getOneVsBaseline * 100}% of the raw baseline's requests/s`,
        value: `${(ratio * 100).toFixed(1)}%`,
        met: ratio >= TARGETS.getOneVsBaseline,
      },
      { name: `LIST ${SEED_COUNT} p99 < ${TARGETS.listP99Ms} ms`, value: `${list.latencyP99Ms} ms`, met: list.latencyP99Ms < TARGETS.listP99Ms },
    ];

    // autocannon stops without waiting for its last responses: let the server finish the PATCHes still
    // queued on the row lock before anything is stopped (and read the final resourceVersion).
    let final = await call(base, 'GET', `${coll}/${PATCHED}`);
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const again = await call(base, 'GET', `${coll}/${PATCHED}`);
      if (again.metadata.resourceVersion === final.metadata.resourceVersion) break;
      final = again;
    }
    const report = {
      timestamp: new Date().toISOString(),
      commit: gitCommit(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0] && os.cpus()[0].model,
      settings: { durationS: DURATION, warmupS: WARMUP, poolSize: POOL_SIZE, seeded: SEED_COUNT },
      results,
      getOneVsBaseline: ratio,
      targets,
      checks: { created, patchedResourceVersion: final.metadata.resourceVersion },
    };

    const out = [];
    out.push('');
    out.push(`Benchmark (${report.timestamp}, commit ${report.commit}, node ${report.node}, ${report.cpus} CPUs, ${DURATION}s per scenario after ${WARMUP}s warm-up)`);
    out.push('');
    out.push(table(results));
    out.push('');
    out.push(`GET one ours/baseline requests/s: ${ratio.toFixed(3)} (${getOne.reqPerSec.toFixed(1)} / ${rawGet.reqPerSec.toFixed(1)})`);
    out.push('');
    out.push('Targets:');
    for (const t of targets) out.push(`  [${t.met ? 'MET' : 'MISSED'}] ${t.name}: ${t.value}`);

    const resultsDir = join(ROOT, 'bench-results');
    const previous = previousResults(resultsDir);
    if (previous) {
      out.push('');
      out.push(`Compared with ${previous.file} (req/s, p99):`);
      for (const r of results) {
        const p = (previous.data.results || []).find((x) => x.label === r.label);
        if (!p) continue;
        const pct = p.reqPerSec ? (((r.reqPerSec - p.reqPerSec) / p.reqPerSec) * 100).toFixed(1) : 'n/a';
        out.push(`  ${r.label.padEnd(24)} ${p.reqPerSec.toFixed(1)} -> ${r.reqPerSec.toFixed(1)} (${pct}%), p99 ${p.latencyP99Ms} -> ${r.latencyP99Ms} ms`);
      }
    }
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `${report.timestamp.replace(/:/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    out.push('');
    out.push(`Figures written to ${file}`);
    process.stdout.write(out.join('\n') + '\n');

    const failures = results.filter((r) => r.failed > 0);
    if (failures.length) throw new Error(`requests failed in: ${failures.map((r) => r.label).join(', ')}`);
  } finally {
    if (!interrupted) {
      process.stderr.write('stopping server, baseline and PostgreSQL ...\n');
      await cleanup();
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${(err && err.stack) || err}\n`);
    process.exit(1);
  },
);
