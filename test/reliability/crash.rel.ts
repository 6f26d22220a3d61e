import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../libs/persistence/src/embedded-postgres';
import { projectRoot } from '../../libs/persistence/src/project-root';
import { expectAppManagerShape } from '../support/contract';
import { buildServer, ServerProcess, startServerProcess, stopServerProcess } from '../support/server-process';
import { deploymentBody, send, sleep } from './support';

// Crash safety of the real product path: a server process on its own embedded PostgreSQL (own
// DATA_DIR) is killed with SIGKILL several times while concurrent clients create, PATCH and delete
// deployments and deployment targets. Each restart has to recover the orphaned PostgreSQL of the
// killed process (stopOrphan). Every write the server acknowledged (2xx) must have survived, nothing
// may be half written, and every resourceVersion history must be gapless.

jest.setTimeout(240_000);

const WRITERS = 6;
const CRASHES = Math.max(3, Number(process.env.RELIABILITY_CRASHES ?? 4));
const NS = 'crash';
const TARGET = 'shared-target';

type Kind = 'deployments' | 'deployment-targets';

interface Tracked {
  kind: Kind;
  name: string;
  /** acknowledged create (201) with its body; undefined while the create's outcome is unknown */
  created?: { rv: number; body: any };
  /** the create was sent and its answer lost: the resource may or may not exist */
  createUnknown: boolean;
  /** acknowledged PATCHes, in the (sequential) order this resource's one writer sent them */
  patches: { label: string; rv: number; body: any }[];
  /** PATCHes sent whose answer was lost (crash): committed or not */
  uncertainLabels: string[];
  deleted: 'no' | 'acked' | 'unknown';
}

/** ECONNREFUSED: the connection never existed, so the server cannot have received (let alone written) the request. */
function neverSent(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } })?.cause;
  return cause?.code === 'ECONNREFUSED';
}

const PATCH_LABEL = /^p-/;

describe('crash safety (SIGKILL while writing)', () => {
  let build: ReturnType<typeof buildServer>;
  let dataDir: string;
  let port: number;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    build = buildServer();
    dataDir = mkdtempSync(join(projectRoot(), '.test-data', 'crash-'));
    port = await freePort();
  }, 120_000);

  afterAll(async () => {
    if (server) await stopServerProcess(server, 'SIGTERM'); // graceful: also stops its PostgreSQL
    // a failed run may leave the PostgreSQL of a killed server behind: stop it (fast shutdown)
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      try {
        process.kill(pid, 'SIGINT');
        await sleep(1000);
      } catch {
        /* gone */
      }
    }
    build?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    server = await startServerProcess(build.main, { PORT: String(port), DATA_DIR: dataDir, RECONCILER_ENABLED: 'false', AUTH_MODE: 'none', LOG_LEVEL: 'error' }, 60_000);
    return server;
  };

  it(`every acknowledged write survives ${CRASHES} SIGKILLs; nothing half written; gapless resourceVersions`, async () => {
    let s = await start();
    const url = s.url;
    expect((await send(url, 'POST', '/namespaces/v1/namespaces', { name: `namespaces/${NS}` })).status).toBe(200);
    expect((await send(url, 'POST', `/api/v1/namespaces/${NS}/deployment-targets`, { metadata: { name: TARGET }, spec: {} })).status).toBe(201);

    const tracked: Tracked[] = [];
    const unexpected: string[] = [];
    const ackedPerEpoch: number[] = [0];
    let epoch = 0;
    let stop = false;
    let uid = 0;
    const api = `/api/v1/namespaces/${NS}`;

    const ack = () => ackedPerEpoch[epoch]++;

    async function writer(w: number): Promise<void> {
      const mine: Tracked[] = [];
      const live = () => mine.filter((t) => t.created && t.deleted === 'no');
      while (!stop) {
        const alive = live();
        const r = Math.random();
        try {
          if (alive.length < 3 || r < 0.15) {
            // create
            const kind: Kind = Math.random() < 0.7 ? 'deployments' : 'deployment-targets';
            const name = `w${w}-${kind === 'deployments' ? 'd' : 't'}${uid++}`;
            const t: Tracked = { kind, name, createUnknown: false, patches: [], uncertainLabels: [], deleted: 'no' };
            const body = kind === 'deployments' ? deploymentBody(name, TARGET) : { metadata: { name }, spec: {} };
            try {
              const res = await send(url, 'POST', `${api}/${kind}`, body);
              if (res.status === 201) {
                t.created = { rv: res.body.metadata.resourceVersion, body: res.body };
                mine.push(t);
                tracked.push(t);
                ack();
              } else if (res.status >= 500) {
                t.createUnknown = true;
                mine.push(t);
                tracked.push(t);
              } else unexpected.push(`POST ${name}: ${res.status} ${res.text}`);
            } catch (e) {
              if (neverSent(e)) throw e;
              t.createUnknown = true; // the answer was lost: it may exist
              mine.push(t);
              tracked.push(t);
              throw e;
            }
          } else if (r < 0.85) {
            // PATCH: adds one unique label
            const t = alive[Math.floor(Math.random() * alive.length)];
            const label = `p-${w}-${uid++}`;
            try {
              // deployments: a JSON merge PATCH adding the label; targets have no PATCH (2.7.1): a PUT
              // carrying every label this writer ever sent plus the new one
              const res =
                t.kind === 'deployments'
                  ? await send(url, 'PATCH', `${api}/${t.kind}/${t.name}`, { metadata: { labels: { [label]: 'x' } } })
                  : await send(url, 'PUT', `${api}/${t.kind}/${t.name}`, {
                      metadata: { name: t.name, labels: Object.fromEntries([...t.patches.map((p) => p.label), ...t.uncertainLabels, label].map((l) => [l, 'x'])) },
                      spec: {},
                    });
              if (res.status === 200) {
                t.patches.push({ label, rv: res.body.metadata.resourceVersion, body: res.body });
                ack();
              } else if (res.status >= 500) t.uncertainLabels.push(label);
              else unexpected.push(`UPDATE ${t.name}: ${res.status} ${res.text}`);
            } catch (e) {
              if (!neverSent(e)) t.uncertainLabels.push(label);
              throw e;
            }
          } else {
            const t = alive[Math.floor(Math.random() * alive.length)];
            try {
              const res = await send(url, 'DELETE', `${api}/${t.kind}/${t.name}`);
              if (res.status === 200) {
                t.deleted = 'acked';
                ack();
              } else if (res.status >= 500) t.deleted = 'unknown';
              else unexpected.push(`DELETE ${t.name}: ${res.status} ${res.text}`);
            } catch (e) {
              if (!neverSent(e)) t.deleted = 'unknown';
              throw e;
            }
          }
        } catch {
          await sleep(50); // the server is down (or restarting)
        }
      }
    }

    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    const timeline: string[] = [];
    for (let k = 0; k < CRASHES; k++) {
      await sleep(1500 + Math.random() * 1500);
      await stopServerProcess(s, 'SIGKILL');
      timeline.push(`epoch ${epoch}: ${ackedPerEpoch[epoch]} acknowledged writes, then SIGKILL`);
      epoch++;
      ackedPerEpoch.push(0);
      const t0 = Date.now();
      s = await start(); // same DATA_DIR and port: recovers the orphaned PostgreSQL first
      timeline.push(`restart ${k + 1}: ready after ${Date.now() - t0} ms`);
    }
    await sleep(1500);
    stop = true;
    await Promise.all(writers);
    timeline.push(`epoch ${epoch}: ${ackedPerEpoch[epoch]} acknowledged writes, then stop`);

    // the crash points must have been under load: writes acknowledged in every epoch
    expect(unexpected).toEqual([]);
    for (const n of ackedPerEpoch) expect(n).toBeGreaterThan(0);

    let uncertain = 0;
    for (const t of tracked) {
      const res = await send(url, 'GET', `${api}/${t.kind}/${t.name}`);
      const ctx = `${t.kind}/${t.name}`;
      uncertain += t.uncertainLabels.length + (t.createUnknown ? 1 : 0) + (t.deleted === 'unknown' ? 1 : 0);
      if (t.deleted === 'acked') {
        expect([ctx, res.status]).toEqual([ctx, 404]);
        continue;
      }
      if (t.createUnknown || t.deleted === 'unknown') {
        expect([ctx, [200, 404].includes(res.status)]).toEqual([ctx, true]);
        if (res.status === 404) continue;
      } else {
        expect([ctx, res.status]).toEqual([ctx, 200]);
      }
      const doc = res.body;
      // never half written: the whole document, valid against the 2.7.1 definition
      expectAppManagerShape(t.kind === 'deployments' ? 'Deployment' : 'DeploymentTarget', doc);
      expect(doc.metadata).toEqual(expect.objectContaining({ name: t.name, namespace: NS, id: expect.any(String), createdAt: expect.any(String), modifiedAt: expect.any(String) }));
      if (t.kind === 'deployments') {
        expect(doc.spec.template.spec.artifact.jarUri).toBe('https://repo.example.com/jobs/job-1.0.jar');
        expect(doc.spec.deploymentTargetName).toBe(TARGET);
        expect(doc.status.state).toBe('CANCELLED');
      }
      const finalRv: number = doc.metadata.resourceVersion;
      const labels = Object.keys(doc.metadata.labels ?? {}).filter((l) => PATCH_LABEL.test(l));
      if (t.created) expect(t.created.rv).toBe(1);
      // Every acknowledged PATCH is in the final document.
      for (const p of t.patches) expect([ctx, p.label, labels.includes(p.label)]).toEqual([ctx, p.label, true]);
      // Labels present are acknowledged ones or ones whose answer was lost (committed before the kill).
      for (const l of labels) expect([ctx, l, t.patches.some((p) => p.label === l) || t.uncertainLabels.includes(l)]).toEqual([ctx, l, true]);
      // Gapless history. Each committed write is exactly +1: the create is version 1 and every PATCH adds
      // one unique label, so the final version = 1 + committed PATCHes = 1 + labels present. The writes
      // acknowledged are a subset of those committed (a write can commit and lose its answer to the
      // SIGKILL), so: acknowledged versions distinct (and, one sequential writer per resource, rising),
      // all ≤ final, final − 1 ≥ acknowledged PATCHes and ≤ acknowledged + answers lost.
      // (targets are updated by PUT with the cumulative label set: labels present ⊇ acknowledged, same bounds)
      if (t.kind === 'deployments') expect([ctx, finalRv - 1]).toEqual([ctx, labels.length]);
      const rvs = t.patches.map((p) => p.rv);
      expect(new Set(rvs).size).toBe(rvs.length);
      for (let i = 1; i < rvs.length; i++) expect(rvs[i]).toBeGreaterThan(rvs[i - 1]);
      for (const v of rvs) expect(v).toBeLessThanOrEqual(finalRv);
      expect(finalRv - 1).toBeGreaterThanOrEqual(t.patches.length);
      expect(finalRv - 1).toBeLessThanOrEqual(t.patches.length + t.uncertainLabels.length);
      // each acknowledged PATCH answer was itself gapless: its version − 1 = the labels it carried
      for (const p of t.kind === 'deployments' ? t.patches : []) {
        const had = Object.keys(p.body.metadata.labels ?? {}).filter((l) => PATCH_LABEL.test(l));
        expect([ctx, p.rv - 1, had.includes(p.label)]).toEqual([ctx, had.length, true]);
      }
    }

    // the lists hold nothing else and nothing incomplete
    const deployments = await send(url, 'GET', `${api}/deployments`);
    expect(deployments.status).toBe(200);
    expectAppManagerShape('ResourceListOfDeployment', deployments.body);
    const targets = await send(url, 'GET', `${api}/deployment-targets`);
    expect(targets.status).toBe(200);
    expectAppManagerShape('ResourceListOfDeploymentTarget', targets.body);
    const known = new Set(tracked.map((t) => t.name).concat(TARGET));
    for (const item of [...deployments.body.items, ...targets.body.items]) expect([item.metadata.name, known.has(item.metadata.name)]).toEqual([item.metadata.name, true]);

    const acked = ackedPerEpoch.reduce((a, b) => a + b, 0);
    // eslint-disable-next-line no-console
    console.log(`crash: ${CRASHES} SIGKILLs, ${WRITERS} writers, ${tracked.length} resources, ${acked} acknowledged writes, ${uncertain} writes with lost answers\n  ${timeline.join('\n  ')}`);
  });
});
