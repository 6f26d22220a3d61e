'use strict';
// Forked by run.js: the real server (dist build) on its own event loop, so that the load generator
// in the parent does not steal its CPU time. Reports its URL over IPC; stops on the 'stop' message.
//
// BENCH_COUNT_QUERIES=1 (bench only, nothing in the product): before the server is loaded, pg's
// Client.prototype.query is wrapped to count every statement this process sends to PostgreSQL, split
// by who sent it — "api" (inside an HTTP request's AsyncLocalStorage context, the one the server's
// request-id logging already keeps) or "background" (the reconciler loop and anything else outside a
// request). The parent asks for the counters, the reconciler's stats and process.memoryUsage() with
// {cmd: 'stats'} over IPC, and for the statements sent in the background since the last
// {cmd: 'resetSql'} with {cmd: 'sql'}; {cmd: 'gc'} runs a full garbage collection (when forked with
// --expose-gc) and answers process.memoryUsage() after it.
const { AsyncResource } = require('node:async_hooks');
const { join } = require('node:path');

const dist = join(__dirname, '..', '..', 'dist');
const counting = process.env.BENCH_COUNT_QUERIES === '1';

const queries = { total: 0, api: 0, background: 0 };
let backgroundSql = new Map(); // normalised text -> { count, text, values } (the last values seen)

function instrumentPg() {
  const pg = require('pg'); // the same module instance the server's Pool and Prisma's adapter load
  const { requestContext } = require(join(dist, 'libs/ops/src/logging'));
  const inRequest = () => requestContext.getStore() !== undefined;

  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(config, values, callback) {
    queries.total++;
    if (inRequest()) {
      queries.api++;
    } else {
      queries.background++;
      const text = typeof config === 'string' ? config : config && config.text;
      if (typeof text === 'string') {
        const key = text.replace(/\s+/g, ' ').trim();
        const params = Array.isArray(values) ? values : config && Array.isArray(config.values) ? config.values : undefined;
        const seen = backgroundSql.get(key);
        if (seen) {
          seen.count++;
          seen.values = params;
        } else {
          backgroundSql.set(key, { count: 1, text, values: params });
        }
      }
    }
    return query.apply(this, arguments);
  };

  // pg-pool hands a waiting caller its client from inside another caller's release, i.e. in the
  // releaser's async context; binding the callback keeps pool.query's statement attributed to the
  // caller that issued it. (Promise-style connect() needs nothing: `await` resumes in the caller's context.)
  const connect = pg.Pool.prototype.connect;
  pg.Pool.prototype.connect = function boundConnect(cb) {
    return connect.call(this, typeof cb === 'function' ? AsyncResource.bind(cb) : cb);
  };
}

async function main() {
  if (counting) instrumentPg();
  const { loadConfig } = require(join(dist, 'libs/config/src/config'));
  const { startServer } = require(join(dist, 'apps/server/src/bootstrap'));
  const { Reconciler } = require(join(dist, 'libs/appmanager/src/reconciler/reconciler.service'));

  const config = loadConfig(process.env);
  const server = await startServer(config);
  const reconciler = server.app.get(Reconciler);
  process.on('message', (msg) => {
    if (msg && typeof msg === 'object' && msg.cmd) {
      let reply;
      if (msg.cmd === 'stats') {
        const { ticks, steps, errors, lastError } = reconciler.stats;
        reply = { queries: { ...queries, counting }, reconciler: { ticks, steps, errors, lastError }, memory: process.memoryUsage() };
      } else if (msg.cmd === 'gc') {
        // a full collection first (the child is forked with --expose-gc): what is still referenced
        if (typeof global.gc === 'function') global.gc();
        reply = { memory: process.memoryUsage(), collected: typeof global.gc === 'function' };
      } else if (msg.cmd === 'resetSql') {
        backgroundSql = new Map();
        reply = {};
      } else if (msg.cmd === 'sql') {
        reply = { sql: [...backgroundSql.entries()].map(([key, v]) => ({ key, count: v.count, text: v.text, values: v.values })) };
      } else {
        reply = { error: `unknown command ${msg.cmd}` };
      }
      process.send({ id: msg.id, ...reply });
      return;
    }
    if (msg !== 'stop') return;
    server.stop().then(
      () => process.send({ stopped: true }, () => process.exit(0)),
      (err) => {
        process.stderr.write(`server stop failed: ${err && err.stack}\n`);
        process.exit(1);
      },
    );
  });
  process.send({ url: server.url });
}

main().catch((err) => {
  process.stderr.write(`server failed to start: ${err && err.stack}\n`);
  process.exit(1);
});
