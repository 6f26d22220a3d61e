'use strict';
// Forked by run.js: the real server (dist build) on its own event loop, so that the load generator
// in the parent does not steal its CPU time. Reports its URL over IPC; stops on the 'stop' message.
const { join } = require('node:path');

const dist = join(__dirname, '..', '..', 'dist');
const { loadConfig } = require(join(dist, 'libs/config/src/config'));
const { startServer } = require(join(dist, 'apps/server/src/bootstrap'));

async function main() {
  const config = loadConfig(process.env);
  const server = await startServer(config);
  process.on('message', (msg) => {
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
