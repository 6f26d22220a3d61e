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
//
// After the HTTP scenarios (reconciler.js and mixed.js hold the details):
// - reconciler throughput: 1,000 deployments created RUNNING at once in a fresh namespace with the
//   simulated runtime's default timings, time until all report RUNNING, transitions/s, reconciler
//   steps/s and database queries per transition (the server child counts every statement it sends,
//   BENCH_COUNT_QUERIES=1); the steady-state watch cost with 1,000 RUNNING; then all CANCELLED.
//   BENCH_RECONCILE_COUNT (default 1000), BENCH_RECONCILE_TIMEOUT (s, default 150).
// - idle cost: queries/s over BENCH_IDLE_WINDOW (s, default 10) once nothing is due, the statements
//   of an idle tick and the plans of the reconciler's queries (EXPLAIN).
// - mixed workload: 50 clients, 60 % GET one / 15 % LIST 50 / 15 % PATCH labels / 5 % POST / 5 % DELETE
//   for BENCH_MIXED_DURATION (s, default 60) after BENCH_MIXED_WARMUP (s, default 10), server RSS
//   after the warm-up vs at the end.

const { fork, execFileSync } = require('node:child_process');
const { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { Client: PgClient } = require('pg');
const { runReconcilerPhases } = require('./reconciler');
const { runMixed } = require('./mixed');

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

const RECONCILE_COUNT = Number(process.env.BENCH_RECONCILE_COUNT || 1000);
const RECONCILE_TIMEOUT_S = Number(process.env.BENCH_RECONCILE_TIMEOUT || 150);
const WATCH_WINDOW_S = Number(process.env.BENCH_WATCH_WINDOW || 10);
const IDLE_WINDOW_S = Number(process.env.BENCH_IDLE_WINDOW || 10);
const MIXED_DURATION = Number(process.env.BENCH_MIXED_DURATION || 60);
const MIXED_WARMUP = Number(process.env.BENCH_MIXED_WARMUP || 10);

const TARGETS = {
  getOneVsBaseline: 0.4, // GET one ≥ 40 % of the baseline's requests/s
  listP99Ms: 200, // LIST 1,000 p99 < 200 ms
  allRunningS: 60, // 1,000 deployments created RUNNING at once are all RUNNING within 60 s
  idleQueriesPerTick: 3, // nothing due: no step, a tick is (at most) three indexed queries
  mixedRssGrowth: 0.2, // mixed workload: RSS at the end within 20 % of the RSS after warm-up
};

const log = (line) => process.stderr.write(`${line}\n`);

function deploymentBody(name, labels = { app: 'bench' }, state = 'CANCELLED') {
  return {
    kind: 'Deployment',
    apiVersion: 'v1',
    metadata: { name, labels },
    spec: {
      state,
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
  // request/response over IPC ({cmd} -> {id, ...}); see server-child.js
  let nextId = 0;
  const pending = new Map();
  child.on('message', (msg) => {
    if (!msg || msg.id === undefined || !pending.has(msg.id)) return;
    const { ok, timer } = pending.get(msg.id);
    pending.delete(msg.id);
    clearTimeout(timer);
    ok(msg);
  });
  const rpc = (cmd) =>
    new Promise((ok, fail) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        pending.delete(id);
        fail(new Error(`${script}: no answer to ${cmd}`));
      }, 15_000);
      pending.set(id, { ok, timer });
      child.send({ cmd, id });
    });
  return { child, ready, stop, rpc };
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

async function createNamespace(base, namespace) {
  await call(base, 'POST', '/namespaces/v1/namespaces', { name: `namespaces/${namespace}` });
  await call(base, 'POST', `/api/v1/namespaces/${namespace}/deployment-targets`, {
    kind: 'DeploymentTarget',
    apiVersion: 'v1',
    metadata: { name: TARGET },
    spec: { kubernetes: { namespace: 'bench-jobs' } },
  });
}

async function seed(base) {
  await createNamespace(base, NAMESPACE);
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
  return figuresOf(label, opts, r);
}

function figuresOf(label, opts, r) {
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
  return grid(head, body);
}

/** Columns padded like the scenario table: the first left-aligned, the others right-aligned. */
function grid(head, body) {
  body = body.map((b) => b.map(String));
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

function reconcilerReport(rec) {
  const { up, down, watch, idle, explainDue } = rec;
  const out = [];
  out.push(`Reconciler (namespace "${rec.namespace}", default timings: SIM_JOB_START_MS 2000, SIM_CANCEL_MS 500, RECONCILER_* defaults; queries counted in the server process):`);
  out.push('');
  out.push(
    grid(
      ['transition', 'done', 'seconds', 'trans/s', 'steps', 'steps/s', 'steps/trans', 'queries', 'reconciler q', 'api q', 'rec q/trans', 'all q/trans', 'errors'],
      [up, down].map((p) => [
        p.label,
        `${p.reached}/${p.deployments}`,
        p.seconds,
        p.transitionsPerSec,
        p.steps,
        p.stepsPerSec,
        p.stepsPerTransition,
        p.queries.total,
        p.queries.reconciler,
        p.queries.api,
        p.queriesPerTransition.reconciler,
        p.queriesPerTransition.total,
        p.reconcilerErrors + p.requestFailures,
      ]),
    ),
  );
  out.push(`  (api queries: the ${up.deployments} POSTs/PATCHes and the list polls every 250 ms — ${up.listPolls} up, ${down.listPolls} down; all requests sent after ${up.requestsSentS} s up, ${down.requestsSentS} s down)`);
  out.push('');
  out.push('Server queries with nothing sent by the bench:');
  out.push('');
  out.push(
    grid(
      ['window', 'seconds', 'queries/s', 'reconciler q/s', 'api q/s', 'ticks/s', 'q/tick', 'steps/s'],
      [
        [`watch, ${watch.running} RUNNING`, watch],
        ['idle, nothing due', idle],
      ].map(([label, w]) => [label, w.seconds, w.queriesPerSec, w.reconcilerQueriesPerSec, Math.round((w.queries.api / w.seconds) * 10) / 10, w.ticksPerSec, w.queriesPerTick, w.stepsPerSec]),
    ),
  );
  out.push('');
  out.push(`Watch statements (${watch.seconds} s, ${watch.steps} steps: ${Math.round((watch.queries.reconciler / Math.max(1, watch.steps)) * 10) / 10} queries per step including the ticks):`);
  for (const s of watch.statements) out.push(`  ${String(s.perSec).padStart(6)}/s  ${s.sql.length > 120 ? s.sql.slice(0, 117) + '...' : s.sql}`);
  out.push('');
  out.push(`Idle tick statements (${idle.seconds} s, settled ${idle.settled.seconds} s after the last transition):`);
  for (const s of idle.statements) {
    out.push(`  ${String(s.perSec).padStart(6)}/s  ${s.sql.length > 120 ? s.sql.slice(0, 117) + '...' : s.sql}`);
    if (s.plan) out.push(`           plan: ${s.plan[0]}${s.plan.length > 1 ? ` | ${s.plan.slice(1).map((l) => l.trim()).join(' | ')}` : ''}`);
  }
  out.push('');
  out.push(`Due-work query (EXPLAIN after ANALYZE, ${explainDue.withRunning.source}):`);
  out.push(`  with ${watch.running} scheduled: ${explainDue.withRunning.first}`);
  out.push(`  ${' '.repeat(String(watch.running).length + 16)}${explainDue.withRunning.plan.slice(1).map((l) => l.trim()).join(' | ')}`);
  out.push(`  idle:            ${explainDue.idle.first}`);
  out.push(`                   ${explainDue.idle.plan.slice(1).map((l) => l.trim()).join(' | ')}`);
  return out;
}

function mixedReport(mixed) {
  const out = [];
  out.push(`Mixed workload (${mixed.figures.connections} connections, ${mixed.durationS} s after ${mixed.warmupS} s warm-up; namespaces ${mixed.namespaces.join(', ')}; per-operation latency measured by the bench):`);
  out.push('');
  out.push(
    grid(
      ['operation', 'share %', 'ok', 'failed', 'req/s', 'p50 ms', 'p99 ms'],
      Object.entries(mixed.perOp).map(([op, o]) => [op, o.share, o.ok, o.failed, o.reqPerSec, o.p50Ms, o.p99Ms]),
    ),
  );
  const r = mixed.rss;
  out.push('');
  out.push(`Server RSS: ${r.beforeWarmupMB} MB before the warm-up, ${r.afterWarmupMB} MB after it, ${r.atEndMB} MB at the end (${r.growthPct > 0 ? '+' : ''}${r.growthPct}%), peak ${r.peakMB} MB`);
  out.push(`  sampled every 2 s: ${r.samplesMB.join(' ')}`);
  out.push(`  after a forced full GC: RSS ${r.afterGc.afterWarmup.rssMB} -> ${r.afterGc.atEnd.rssMB} MB, heap used ${r.afterGc.afterWarmup.heapUsedMB} -> ${r.afterGc.atEnd.heapUsedMB} MB (${r.afterGc.heapGrowthPct > 0 ? '+' : ''}${r.afterGc.heapGrowthPct}%)`);
  out.push(`  settled ${mixed.quiesceS} s after the load stopped (requests autocannon abandoned finished before the server was stopped)`);
  return out;
}

// ---------- main ----------

async function main() {
  const benchStart = performance.now();
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

    // the reconciler figures are about the defaults: no reconciler or simulator setting from the shell
    for (const key of Object.keys(process.env)) {
      if (/^(SIM_|RECONCILER_|FLINK_RUNTIME$)/.test(key)) {
        log(`note: ${key}=${process.env[key]} not passed to the server (the bench measures the defaults)`);
        delete process.env[key];
      }
    }
    const port = await freePort();
    const server = forkChild('server-child.js', {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'error',
      AUTH_MODE: 'none', // the bench measures the request path, not token checks
      BENCH_COUNT_QUERIES: '1', // server-child.js counts the statements sent to PostgreSQL (bench only)
    }, [
      '--expose-gc', // only for the {cmd: 'gc'} memory readings of the mixed workload (server-child.js)
      ...(process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench-results', 'profiles')}`] : []),
    ]);
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
    await baseline.stop(); // not needed any more: keep its process out of the remaining phases

    // ---------- reconciler throughput, watch and idle cost ----------
    const pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    cleanups.push(() => pg.end());
    const rec = await runReconcilerPhases({
      base,
      server,
      call,
      pg,
      createNamespace,
      deploymentBody,
      count: RECONCILE_COUNT,
      timeoutMs: RECONCILE_TIMEOUT_S * 1000,
      idleWindowS: IDLE_WINDOW_S,
      watchWindowS: WATCH_WINDOW_S,
      log,
    });

    // ---------- mixed workload ----------
    log('mixed workload:');
    const mixed = await runMixed({ base, server, call, createNamespace, deploymentBody, figuresOf, duration: MIXED_DURATION, warmup: MIXED_WARMUP, log });
    results.push(mixed.figures);
    if (mixed.figures.failed > 0) log(`  ! mixed: ${JSON.stringify(Object.fromEntries(Object.entries(mixed.perOp).map(([op, o]) => [op, o.statuses])))}`);

    const { up, down, watch, idle } = rec;
    targets.push(
      {
        name: `${RECONCILE_COUNT} deployments created RUNNING at once all RUNNING within ${TARGETS.allRunningS} s`,
        value: up.reachedAll ? `${up.seconds} s` : `${up.reached}/${RECONCILE_COUNT} after ${up.seconds} s`,
        met: up.reachedAll && up.requestFailures === 0 && up.seconds <= TARGETS.allRunningS,
      },
      {
        name: `idle: no reconcile step and ≤ ${TARGETS.idleQueriesPerTick} queries per tick`,
        value: `${idle.queriesPerSec} queries/s, ${idle.queriesPerTick} per tick at ${idle.ticksPerSec} ticks/s, ${idle.steps} steps`,
        met: idle.steps === 0 && idle.queries.api === 0 && idle.queriesPerTick !== null && idle.queriesPerTick <= TARGETS.idleQueriesPerTick,
      },
      {
        name: "the reconciler's due-work query is an index scan (EXPLAIN)",
        value: `${rec.explainDue.withRunning.scans.join('; ')} (${up.reached} scheduled) / ${rec.explainDue.idle.scans.join('; ')} (idle)`,
        met: rec.explainDue.withRunning.indexScan && rec.explainDue.idle.indexScan,
      },
      { name: 'mixed workload: no failed request', value: String(mixed.figures.failed), met: mixed.figures.failed === 0 },
      {
        name: `mixed workload: server RSS at the end within ${TARGETS.mixedRssGrowth * 100}% of the RSS after warm-up`,
        value: `${mixed.rss.afterWarmupMB} -> ${mixed.rss.atEndMB} MB (${mixed.rss.growthPct > 0 ? '+' : ''}${mixed.rss.growthPct}%)`,
        met: Math.abs(mixed.rss.growthPct) <= TARGETS.mixedRssGrowth * 100,
      },
    );

    const report = {
      timestamp: new Date().toISOString(),
      commit: gitCommit(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0] && os.cpus()[0].model,
      settings: {
        durationS: DURATION,
        warmupS: WARMUP,
        poolSize: POOL_SIZE,
        seeded: SEED_COUNT,
        reconcileCount: RECONCILE_COUNT,
        watchWindowS: WATCH_WINDOW_S,
        idleWindowS: IDLE_WINDOW_S,
        mixedDurationS: MIXED_DURATION,
        mixedWarmupS: MIXED_WARMUP,
        server: 'reconciler and simulated runtime at their defaults (SIM_JOB_START_MS 2000, SIM_CANCEL_MS 500, RECONCILER_* unset)',
      },
      results,
      getOneVsBaseline: ratio,
      reconciler: { up, down, watch, explainDue: rec.explainDue },
      idle,
      mixed: { perOp: mixed.perOp, rss: mixed.rss, quiesceS: mixed.quiesceS, created: mixed.created, deletableLeft: mixed.deletableLeft, namespaces: mixed.namespaces },
      targets,
      checks: { created, patchedResourceVersion: final.metadata.resourceVersion },
      totalRuntimeS: Math.round((performance.now() - benchStart) / 100) / 10,
    };

    const out = [];
    out.push('');
    out.push(`Benchmark (${report.timestamp}, commit ${report.commit}, node ${report.node}, ${report.cpus} CPUs, ${DURATION}s per scenario after ${WARMUP}s warm-up)`);
    out.push('');
    out.push(table(results));
    out.push('');
    out.push(`GET one ours/baseline requests/s: ${ratio.toFixed(3)} (${getOne.reqPerSec.toFixed(1)} / ${rawGet.reqPerSec.toFixed(1)})`);
    out.push('');
    out.push(...reconcilerReport(rec));
    out.push('');
    out.push(...mixedReport(mixed));
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
      const pr = previous.data.reconciler;
      for (const [label, now, before] of [
        ['→ RUNNING (s)', up.seconds, pr && pr.up && pr.up.seconds],
        ['→ RUNNING queries/transition', up.queriesPerTransition.reconciler, pr && pr.up && pr.up.queriesPerTransition.reconciler],
        ['→ CANCELLED (s)', down.seconds, pr && pr.down && pr.down.seconds],
        ['watch queries/s', watch.queriesPerSec, pr && pr.watch && pr.watch.queriesPerSec],
        ['idle queries/s', idle.queriesPerSec, previous.data.idle && previous.data.idle.queriesPerSec],
        ['mixed RSS at end (MB)', mixed.rss.atEndMB, previous.data.mixed && previous.data.mixed.rss.atEndMB],
      ]) {
        if (before !== undefined && before !== null) out.push(`  ${label.padEnd(30)} ${before} -> ${now}`);
      }
    }
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `${report.timestamp.replace(/:/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    out.push('');
    out.push(`Figures written to ${file}`);
    out.push(`Total runtime of run.js up to here: ${report.totalRuntimeS} s (the build before it and the shutdown after it not included)`);
    process.stdout.write(out.join('\n') + '\n');

    const failures = results.filter((r) => r.failed > 0);
    if (up.reconcilerErrors || down.reconcilerErrors) log(`note: reconciler errors during the transitions: ${up.reconcilerErrors} up, ${down.reconcilerErrors} down`);
    if (failures.length) throw new Error(`requests failed in: ${failures.map((r) => r.label).join(', ')}`);
  } finally {
    if (!interrupted) {
      process.stderr.write('stopping server, baseline and PostgreSQL ...\n');
      await cleanup();
      process.stderr.write(`bench finished after ${((performance.now() - benchStart) / 1000).toFixed(1)} s (run.js, including start-up and shutdown)\n`);
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
