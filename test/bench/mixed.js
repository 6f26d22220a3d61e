'use strict';
// Mixed workload of `npm run bench` (called by run.js): CONNECTIONS autocannon clients on loopback,
// each request drawn at random — 60 % GET one, 15 % LIST, 15 % PATCH labels, 5 % POST create, 5 % DELETE.
// GET/LIST/PATCH go to a small namespace of SMALL deployments (LIST returns all of them); POST creates
// CANCELLED deployments in a second namespace and DELETE removes the oldest created there that has not
// been deleted yet (CHURN_SEED are created beforehand so that DELETE never runs dry). The server's RSS
// is sampled (process.memoryUsage over IPC) after the warm-up, every 2 s, and at the end.

const autocannon = require('autocannon');

const CONNECTIONS = 50;
const SMALL = 50;
const CHURN_SEED = 200;
const MIX = [
  ['get', 0.6],
  ['list', 0.15],
  ['patch', 0.15],
  ['post', 0.05],
  ['delete', 0.05],
];

const round = (x, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);
const mb = (bytes) => round(bytes / 1048576);

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function pick() {
  let x = Math.random();
  for (const [op, share] of MIX) {
    if (x < share) return op;
    x -= share;
  }
  return MIX[0][0];
}

async function prepare({ base, call, createNamespace, deploymentBody, log }) {
  const small = 'bench-mixed';
  const churn = 'bench-churn';
  for (const ns of [small, churn]) await createNamespace(base, ns);
  const smallNames = Array.from({ length: SMALL }, (_, i) => `mixed-${String(i).padStart(2, '0')}`);
  const churnNames = Array.from({ length: CHURN_SEED }, (_, i) => `seed-${String(i).padStart(4, '0')}`);
  const jobs = [...smallNames.map((n) => [small, n]), ...churnNames.map((n) => [churn, n])];
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs.length) {
        const [ns, name] = jobs[next++];
        await call(base, 'POST', `/api/v1/namespaces/${ns}/deployments`, deploymentBody(name, { app: 'bench-mixed' }));
      }
    }),
  );
  log(`mixed: namespace "${small}" with ${SMALL} deployments, "${churn}" with ${CHURN_SEED} to delete`);
  return { small, churn, smallNames, deletable: [...churnNames] };
}

/** One autocannon run of the mix; `state` (names to delete, counters) carries over from the warm-up. */
function runOnce(base, state, seconds) {
  const { small, churn, smallNames, deletable } = state;
  const ops = Object.fromEntries(MIX.map(([op]) => [op, { ok: 0, failed: 0, statuses: {}, latencies: [] }]));
  const json = { 'content-type': 'application/json' };
  const request = {
    method: 'GET',
    path: '/',
    setupRequest: (req, context) => {
      let op = pick();
      if (op === 'delete' && deletable.length === 0) op = 'post';
      const name = smallNames[Math.floor(Math.random() * smallNames.length)];
      context.op = op;
      context.t0 = performance.now();
      switch (op) {
        case 'get':
          return { ...req, method: 'GET', path: `/api/v1/namespaces/${small}/deployments/${name}`, headers: {}, body: undefined };
        case 'list':
          return { ...req, method: 'GET', path: `/api/v1/namespaces/${small}/deployments`, headers: {}, body: undefined };
        case 'patch':
          return {
            ...req,
            method: 'PATCH',
            path: `/api/v1/namespaces/${small}/deployments/${name}`,
            headers: json,
            body: JSON.stringify({ metadata: { labels: { bench: `v${++state.patched}` } } }),
          };
        case 'post': {
          const created = `created-${++state.created}`;
          context.name = created;
          return { ...req, method: 'POST', path: `/api/v1/namespaces/${churn}/deployments`, headers: json, body: JSON.stringify(state.body(created)) };
        }
        default: {
          const victim = deletable.shift();
          return { ...req, method: 'DELETE', path: `/api/v1/namespaces/${churn}/deployments/${victim}`, headers: {}, body: undefined };
        }
      }
    },
    onResponse: (status, _body, context) => {
      const o = ops[context.op];
      if (!o) return;
      o.latencies.push(performance.now() - context.t0);
      o.statuses[status] = (o.statuses[status] || 0) + 1;
      if (status >= 200 && status < 300) {
        o.ok++;
        if (context.op === 'post') deletable.push(context.name);
      } else {
        o.failed++;
      }
    },
  };
  const opts = { url: base, connections: CONNECTIONS, requests: [request] };
  return new Promise((ok, fail) => {
    const instance = autocannon({ timeout: 30, ...opts, duration: seconds }, (err, result) => (err ? fail(err) : ok({ result, ops, opts })));
    instance.on('error', () => undefined);
  });
}

async function runMixed({ base, server, call, createNamespace, deploymentBody, figuresOf, duration, warmup, log }) {
  const prepared = await prepare({ base, call, createNamespace, deploymentBody, log });
  const state = { ...prepared, created: 0, patched: 0, body: (name) => deploymentBody(name, { app: 'bench-churn' }) };
  const label = 'mixed 60/15/15/5/5';

  log(`  ${label}: warm-up ${warmup}s, then ${duration}s with ${CONNECTIONS} connections ...`);
  const rssStart = (await server.rpc('stats')).memory.rss;
  if (warmup > 0) await runOnce(base, state, warmup);
  const afterWarmup = (await server.rpc('stats')).memory;
  const afterWarmupGc = (await server.rpc('gc')).memory;

  const samples = [];
  const sampler = setInterval(() => {
    server.rpc('stats').then(
      (s) => samples.push(s.memory.rss),
      () => undefined,
    );
  }, 2000);
  let run;
  try {
    run = await runOnce(base, state, duration);
  } finally {
    clearInterval(sampler);
  }
  const atEnd = (await server.rpc('stats')).memory;
  const atEndGc = (await server.rpc('gc')).memory;
  // autocannon stops without waiting for its last responses: let the server finish what it still has
  // (no query for 1 s), so that nothing is cut off when the bench stops it
  const quiesceStart = performance.now();
  for (let last = -1; performance.now() - quiesceStart < 30_000; ) {
    const { queries } = await server.rpc('stats');
    if (queries.api === last) break;
    last = queries.api;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const quiesceS = round((performance.now() - quiesceStart) / 1000);

  const figures = figuresOf(label, run.opts, run.result);
  const perOp = {};
  for (const [op, o] of Object.entries(run.ops)) {
    const sorted = o.latencies.sort((a, b) => a - b);
    perOp[op] = {
      answered: sorted.length,
      ok: o.ok,
      failed: o.failed,
      statuses: o.statuses,
      share: null,
      reqPerSec: round(o.ok / run.result.duration),
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
    };
  }
  const answered = Object.values(perOp).reduce((n, o) => n + o.answered, 0);
  for (const o of Object.values(perOp)) o.share = round((o.answered / answered) * 100);
  const rss = {
    beforeWarmupMB: mb(rssStart),
    afterWarmupMB: mb(afterWarmup.rss),
    atEndMB: mb(atEnd.rss),
    peakMB: mb(Math.max(afterWarmup.rss, atEnd.rss, ...samples)),
    heapUsedAfterWarmupMB: mb(afterWarmup.heapUsed),
    heapUsedAtEndMB: mb(atEnd.heapUsed),
    growthPct: round(((atEnd.rss - afterWarmup.rss) / afterWarmup.rss) * 100),
    samplesMB: samples.map(mb),
    // a diagnosis, not the target: what is still referenced (a leak grows this, a lazy GC does not)
    afterGc: {
      afterWarmup: { rssMB: mb(afterWarmupGc.rss), heapUsedMB: mb(afterWarmupGc.heapUsed) },
      atEnd: { rssMB: mb(atEndGc.rss), heapUsedMB: mb(atEndGc.heapUsed) },
      heapGrowthPct: round(((atEndGc.heapUsed - afterWarmupGc.heapUsed) / afterWarmupGc.heapUsed) * 100),
    },
  };
  return { figures, perOp, rss, quiesceS, created: state.created, deletableLeft: state.deletable.length, warmupS: warmup, durationS: duration, namespaces: [state.small, state.churn] };
}

module.exports = { runMixed };
