'use strict';
// Forked by run.js: the raw baseline for "GET one" — plain node:http + a pg Pool of the same size as
// the server's, running the store's findRow query (by namespace/kind/name) and answering the JSON of
// the resource envelope. No framework, no ORM: the ceiling our stack is compared with.
const http = require('node:http');
const { Pool } = require('pg');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE || 20) });

const SQL = `SELECT id, namespace, kind, name, resource_version AS "resourceVersion", created_at AS "createdAt",
  modified_at AS "modifiedAt", metadata, spec, status FROM resources
  WHERE namespace = $1 AND kind = $2 AND name = $3`;

const ROUTE = /^\/api\/v1\/namespaces\/([^/]+)\/deployments\/([^/?]+)$/;

function envelope(row) {
  const { labels, annotations, ...rest } = row.metadata;
  const resource = {
    kind: row.kind,
    apiVersion: 'v1',
    metadata: {
      id: row.id,
      name: row.name,
      namespace: row.namespace,
      ...rest,
      labels: labels || {},
      annotations: annotations || {},
      createdAt: row.createdAt.toISOString(),
      modifiedAt: row.modifiedAt.toISOString(),
      resourceVersion: row.resourceVersion,
    },
    spec: row.spec,
  };
  if (row.status) resource.status = row.status;
  return resource;
}

const server = http.createServer((req, res) => {
  const m = req.method === 'GET' ? ROUTE.exec(req.url) : null;
  if (!m) {
    res.writeHead(404).end();
    return;
  }
  pool.query(SQL, [decodeURIComponent(m[1]), 'Deployment', decodeURIComponent(m[2])]).then(
    ({ rows }) => {
      if (rows.length === 0) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{}');
        return;
      }
      const body = envelope(rows[0]);
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', ETag: `"${body.metadata.resourceVersion}"` });
      res.end(JSON.stringify(body));
    },
    (err) => {
      res.writeHead(500).end(String(err && err.message));
    },
  );
});

process.on('message', (msg) => {
  if (msg !== 'stop') return;
  server.close();
  server.closeAllConnections();
  pool.end().then(() => process.send({ stopped: true }, () => process.exit(0)));
});

server.listen(0, '127.0.0.1', () => process.send({ url: `http://127.0.0.1:${server.address().port}` }));
