'use strict';
// Reconciler phases of `npm run bench` (called by run.js, on the server it started):
//
// 1. up: N deployments created with spec.state RUNNING at once (IN_FLIGHT concurrent POSTs) in a fresh
//    namespace, with the simulated runtime's default timings; from the first POST until the list
//    endpoint (polled every 250 ms) shows all of them RUNNING.
// 2. watch: the steady-state cost of N RUNNING deployments (each looked at every RECONCILER_WATCH_MS).
// 3. down: all of them PATCHed to CANCELLED at once, until all report CANCELLED.
// 4. idle: once nothing is scheduled, the server's queries over a window with nothing to do, and the
//    plans (EXPLAIN) of what an idle tick sends.
//
// Queries are counted inside the server child (BENCH_COUNT_QUERIES=1, see server-child.js): "api" is
// what HTTP requests sent (the POSTs/PATCHes and the 250 ms list polls), "reconciler" everything sent
// outside a request, i.e. by the reconcile loop.

const IN_FLIGHT = 50;
const POLL_MS = 250;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (x, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);

/** Runs fn over items with n calls in flight; returns the number of failures (the first few logged). */
async function inFlight(n, items, fn, log) {
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        if (++failures <= 3) log(`  ! ${err.message.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: n }, worker));
  return failures;
}

function statsDelta(before, after) {
  return {
    queries: {
      total: after.queries.total - before.queries.total,
      api: after.queries.api - before.queries.api,
      reconciler: after.queries.background - before.queries.background,
    },
    ticks: after.reconciler.ticks - before.reconciler.ticks,
    steps: after.reconciler.steps - before.reconciler.steps,
    errors: after.reconciler.errors - before.reconciler.errors,
    lastError: after.reconciler.errors > before.reconciler.errors ? after.reconciler.lastError : undefined,
  };
}

/** One transition of all deployments of a namespace: requests sent by `kick`, done when the list shows `state` for all. */
async function transition({ label, base, server, call, namespace, names, state, request, timeoutMs, log }) {
  const coll = `/api/v1/namespaces/${namespace}/deployments`;
  const before = await server.rpc('stats');
  const t0 = performance.now();
  let requestsDone = false;
  let requestsDoneAt;
  let failures = 0;
  const kick = inFlight(IN_FLIGHT, names, (name) => request(coll, name), log).then((f) => {
    failures = f;
    requestsDone = true;
    requestsDoneAt = performance.now();
  });
  let reached = 0;
  let polls = 0;
  let doneAt;
  const deadline = t0 + timeoutMs;
  for (;;) {
    const started = performance.now();
    const list = await call(base, 'GET', coll);
    polls++;
    reached = list.items.filter((d) => d.status && d.status.state === state).length;
    const at = performance.now();
    if (reached >= names.length || (requestsDone && reached >= names.length - failures)) {
      doneAt = at;
      break;
    }
    if (at > deadline) break;
    await sleep(Math.max(0, POLL_MS - (at - started)));
  }
  await kick;
  const after = await server.rpc('stats');
  const d = statsDelta(before, after);
  const seconds = ((doneAt ?? performance.now()) - t0) / 1000;
  const transitions = names.length - failures;
  const figures = {
    label,
    deployments: names.length,
    requestFailures: failures,
    reachedAll: doneAt !== undefined,
    reached,
    seconds: round(seconds, 2),
    requestsSentS: round((requestsDoneAt - t0) / 1000, 2),
    transitionsPerSec: round(reached / seconds),
    steps: d.steps,
    stepsPerSec: round(d.steps / seconds),
    stepsPerTransition: round(d.steps / transitions, 2),
    ticks: d.ticks,
    reconcilerErrors: d.errors,
    lastReconcilerError: d.lastError,
    listPolls: polls,
    queries: d.queries,
    queriesPerTransition: {
      total: round(d.queries.total / transitions, 2),
      reconciler: round(d.queries.reconciler / transitions, 2),
      api: round(d.queries.api / transitions, 2),
    },
  };
  log(
    `  ${label}: ${reached}/${names.length} ${state} after ${figures.seconds}s (requests sent in ${figures.requestsSentS}s), ` +
      `${d.steps} steps, ${d.queries.total} queries (${d.queries.reconciler} reconciler, ${d.queries.api} api)`,
  );
  if (d.errors) log(`  ! ${label}: ${d.errors} reconciler errors, last: ${d.lastError}`);
  return figures;
}

/** The server's queries over `seconds` of wall time in which the bench sends nothing. */
async function queryWindow(server, seconds) {
  await server.rpc('resetSql');
  const before = await server.rpc('stats');
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const after = await server.rpc('stats');
  const elapsed = (performance.now() - t0) / 1000;
  const { sql } = await server.rpc('sql');
  const d = statsDelta(before, after);
  return {
    seconds: round(elapsed, 2),
    queries: d.queries,
    queriesPerSec: round(d.queries.total / elapsed),
    reconcilerQueriesPerSec: round(d.queries.reconciler / elapsed),
    ticks: d.ticks,
    ticksPerSec: round(d.ticks / elapsed),
    queriesPerTick: d.ticks ? round(d.queries.reconciler / d.ticks, 2) : null,
    steps: d.steps,
    stepsPerSec: round(d.steps / elapsed),
    reconcilerErrors: d.errors,
    rssMB: round(after.memory.rss / 1048576),
    statements: sql.sort((a, b) => b.count - a.count),
  };
}

/** Waits until no queue row is scheduled and no wake-up is pending (nothing the reconciler could do). */
async function settle(pg, timeoutMs) {
  const t0 = performance.now();
  for (;;) {
    const { rows } = await pg.query(`SELECT (SELECT count(*) FROM reconcile_queue WHERE next_run_at IS NOT NULL)::int AS scheduled,
      (SELECT count(*) FROM reconcile_wakeups)::int AS wakeups`);
    const state = { ...rows[0], seconds: round((performance.now() - t0) / 1000, 2) };
    if ((state.scheduled === 0 && state.wakeups === 0) || performance.now() - t0 > timeoutMs) return state;
    await sleep(250);
  }
}

const FALLBACK_DUE_SQL = `SELECT resource_id::text AS id FROM reconcile_queue
      WHERE next_run_at <= now() ORDER BY next_run_at LIMIT $1`;
const isDueQuery = (key) => /FROM reconcile_queue/i.test(key) && /ORDER BY next_run_at/i.test(key);

/** EXPLAIN of a statement the server sent (its text and last parameter values), on fresh statistics. */
async function explain(pg, text, values) {
  const { rows } = await pg.query(`EXPLAIN ${text}`, values || []);
  const lines = rows.map((r) => r['QUERY PLAN']);
  const scans = lines.filter((l) => /Scan/.test(l)).map((l) => l.replace(/^[\s->]+/, '').replace(/\s+\(cost=.*$/, ''));
  return { first: lines[0], scans, plan: lines };
}

async function explainDue(pg, statements) {
  await pg.query('ANALYZE reconcile_queue');
  const seen = statements.find((s) => isDueQuery(s.key));
  const e = await explain(pg, seen ? seen.text : FALLBACK_DUE_SQL, seen ? seen.values : [64]);
  return { ...e, source: seen ? 'captured from the server' : 'mirrored text (not captured)', indexScan: !e.scans.some((l) => /Seq Scan on reconcile_queue/.test(l)) && e.scans.some((l) => /Index/.test(l)) };
}

async function runReconcilerPhases({ base, server, call, pg, createNamespace, deploymentBody, count, timeoutMs, idleWindowS, watchWindowS, log }) {
  const namespace = 'bench-reconcile';
  const names = Array.from({ length: count }, (_, i) => `run-${String(i).padStart(4, '0')}`);
  await createNamespace(base, namespace);

  log(`reconciler: ${count} deployments → RUNNING in namespace "${namespace}" (${IN_FLIGHT} POSTs in flight, list polled every ${POLL_MS} ms) ...`);
  const up = await transition({
    label: `${count} → RUNNING`,
    base,
    server,
    call,
    namespace,
    names,
    state: 'RUNNING',
    request: (coll, name) => call(base, 'POST', coll, deploymentBody(name, { app: 'bench-reconcile' }, 'RUNNING')),
    timeoutMs,
    log,
  });

  log(`reconciler: steady state with ${up.reached} RUNNING, ${watchWindowS}s window ...`);
  const watch = await queryWindow(server, watchWindowS);
  watch.running = up.reached;
  const dueWithRunning = await explainDue(pg, watch.statements);

  log(`reconciler: ${count} deployments → CANCELLED (${IN_FLIGHT} PATCHes in flight) ...`);
  const down = await transition({
    label: `${count} → CANCELLED`,
    base,
    server,
    call,
    namespace,
    names,
    state: 'CANCELLED',
    request: (coll, name) => call(base, 'PATCH', `${coll}/${name}`, { spec: { state: 'CANCELLED' } }),
    timeoutMs,
    log,
  });

  log('idle: waiting until nothing is scheduled ...');
  const settled = await settle(pg, 60_000);
  log(`idle: settled after ${settled.seconds}s (${settled.scheduled} scheduled, ${settled.wakeups} wake-ups); ${idleWindowS}s window ...`);
  const idle = await queryWindow(server, idleWindowS);
  idle.settled = settled;
  await pg.query('ANALYZE reconcile_queue, reconcile_wakeups, namespaces');
  for (const s of idle.statements) {
    if (/^\s*(SELECT|WITH|UPDATE|DELETE|INSERT)\b/i.test(s.text)) s.explain = await explain(pg, s.text, s.values);
  }
  const dueIdle = await explainDue(pg, idle.statements);
  // the parameter values are not needed in the results file
  for (const w of [watch, idle]) w.statements = w.statements.map(({ key, count: n, explain: e }) => ({ sql: key, count: n, perSec: round(n / w.seconds, 2), plan: e && e.plan }));
  return { namespace, up, watch, down, idle, explainDue: { withRunning: dueWithRunning, idle: dueIdle } };
}

module.exports = { runReconcilerPhases };
