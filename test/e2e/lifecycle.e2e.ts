import { PrismaService } from '../../libs/persistence/src/prisma.service';
import { ResourceStore } from '../../libs/resource-kit/src/store';
import { SavepointStrategy } from '../../libs/appmanager/src/savepoints/savepoint.strategy';
import { createNamespace, eventually, FAST_RUNTIME, startTestServer, TestServer } from '../support/app';
import { expectAppManagerShape } from '../support/contract';

// The deployment state machine, table-driven: for each (current state × desired state × upgrade
// strategy × restore strategy) the final state, the Jobs and Savepoints created, the restore location
// the new Job used, and the exact sequence of Event names (vvp-api.md 4.1, 4.2). The event names are
// those of the 2.7.1 event enum; the sequences are the ones this server documents in the README.

const TRANSITIONING = 'com.dataartisans.appmanager.controller.deployment.transitioning';
const FAULT = 'simulator.flink/';

const NEEDED = 'STATE_TRANSITION_IS_NEEDED';
const COMPLETED = 'STATE_TRANSITION_IS_COMPLETED';
const START = [NEEDED, 'CREATING_A_NEW_JOB', 'JOB_SUCCESSFULLY_STARTED', COMPLETED];
const CANCEL = [NEEDED, 'FOUND_A_JOB_TO_TERMINATE', COMPLETED];
const SUSPEND = [NEEDED, 'CREATING_A_SAVEPOINT_BEFORE_SUSPENSION', 'SUCCESSFULLY_TRIGGERED_A_SAVEPOINT', 'FOUND_A_COMPLETED_SAVEPOINT_READY_FOR_SUSPENSION', COMPLETED];
const STATEFUL_UPGRADE = [
  NEEDED,
  'USING_AN_UPGRADE_STRATEGY',
  'NEED_TO_TRIGGER_A_SAVEPOINT',
  'SUCCESSFULLY_TRIGGERED_A_SAVEPOINT',
  'CREATING_A_NEW_JOB',
  'JOB_SUCCESSFULLY_STARTED',
  COMPLETED,
];
const STATELESS_UPGRADE = [NEEDED, 'USING_AN_UPGRADE_STRATEGY', 'FOUND_AN_OLD_JOB_AND_WILL_TERMINATE_IT', 'CREATING_A_NEW_JOB', 'JOB_SUCCESSFULLY_STARTED', COMPLETED];
const NOTHING_RUNS = [NEEDED, COMPLETED];

type State = 'CANCELLED' | 'RUNNING' | 'SUSPENDED' | 'FAILED' | 'FINISHED';
type Upgrade = 'STATEFUL' | 'STATELESS' | 'NONE';
type Restore = 'LATEST_STATE' | 'LATEST_SAVEPOINT' | 'NONE';
/** where the new job restored from: nothing, the savepoint taken by the suspension in the setup, or the one the action took */
type RestoreFrom = 'empty' | 'setup-savepoint' | 'action-savepoint';

interface Case {
  current: State;
  /** a new desired state, a template change (upgrade), or the identical spec again */
  action: 'RUNNING' | 'SUSPENDED' | 'CANCELLED' | 'upgrade' | 'identical';
  upgrade: Upgrade;
  restore: Restore;
  final: State;
  events: string[];
  newJobs: number;
  newSavepoints: number;
  /** for cases that start a job */
  restoreFrom?: RestoreFrom;
}

const RESTORES: Restore[] = ['LATEST_STATE', 'LATEST_SAVEPOINT', 'NONE'];
const UPGRADES: Upgrade[] = ['STATEFUL', 'STATELESS', 'NONE'];

const CASES: Case[] = [
  ...RESTORES.map((restore): Case => ({ current: 'CANCELLED', action: 'RUNNING', upgrade: 'STATEFUL', restore, final: 'RUNNING', events: START, newJobs: 1, newSavepoints: 0, restoreFrom: 'empty' })),
  { current: 'CANCELLED', action: 'SUSPENDED', upgrade: 'STATEFUL', restore: 'LATEST_STATE', final: 'SUSPENDED', events: NOTHING_RUNS, newJobs: 0, newSavepoints: 0 },
  { current: 'CANCELLED', action: 'identical', upgrade: 'STATEFUL', restore: 'LATEST_STATE', final: 'CANCELLED', events: [], newJobs: 0, newSavepoints: 0 },
  { current: 'RUNNING', action: 'CANCELLED', upgrade: 'STATEFUL', restore: 'LATEST_STATE', final: 'CANCELLED', events: CANCEL, newJobs: 0, newSavepoints: 0 },
  { current: 'RUNNING', action: 'SUSPENDED', upgrade: 'STATEFUL', restore: 'LATEST_STATE', final: 'SUSPENDED', events: SUSPEND, newJobs: 0, newSavepoints: 1 },
  { current: 'RUNNING', action: 'SUSPENDED', upgrade: 'STATELESS', restore: 'NONE', final: 'SUSPENDED', events: SUSPEND, newJobs: 0, newSavepoints: 1 },
  { current: 'RUNNING', action: 'identical', upgrade: 'STATEFUL', restore: 'LATEST_STATE', final: 'RUNNING', events: [], newJobs: 0, newSavepoints: 0 },
  ...UPGRADES.flatMap((upgrade) =>
    RESTORES.map((restore): Case => {
      if (upgrade === 'NONE') return { current: 'RUNNING', action: 'upgrade', upgrade, restore, final: 'RUNNING', events: [], newJobs: 0, newSavepoints: 0 };
      if (upgrade === 'STATELESS') {
        return { current: 'RUNNING', action: 'upgrade', upgrade, restore, final: 'RUNNING', events: STATELESS_UPGRADE, newJobs: 1, newSavepoints: 0, restoreFrom: 'empty' };
      }
      return {
        current: 'RUNNING',
        action: 'upgrade',
        upgrade,
        restore,
        final: 'RUNNING',
        events: STATEFUL_UPGRADE,
        newJobs: 1,
        newSavepoints: 1,
        // with restore strategy NONE a stateful upgrade still takes the savepoint, but starts empty
        restoreFrom: restore === 'NONE' ? 'empty' : 'action-savepoint',
      };
    }),
  ),
  ...RESTORES.map((restore): Case => ({
    current: 'SUSPENDED',
    action: 'RUNNING',
    upgrade: 'STATEFUL',
    restore,
    final: 'RUNNING',
    events: START,
    newJobs: 1,
    newSavepoints: 0,
    restoreFrom: restore === 'NONE' ? 'empty' : 'setup-savepoint',
  })),
  { current: 'SUSPENDED', action: 'CANCELLED', upgrade: 'STATEFUL', restore: 'LATEST_STATE', final: 'CANCELLED', events: NOTHING_RUNS, newJobs: 0, newSavepoints: 0 },
  { current: 'FAILED', action: 'CANCELLED', upgrade: 'STATEFUL', restore: 'LATEST_STATE', final: 'CANCELLED', events: NOTHING_RUNS, newJobs: 0, newSavepoints: 0 },
  { current: 'FAILED', action: 'SUSPENDED', upgrade: 'STATEFUL', restore: 'LATEST_STATE', final: 'SUSPENDED', events: NOTHING_RUNS, newJobs: 0, newSavepoints: 0 },
  { current: 'FAILED', action: 'identical', upgrade: 'STATEFUL', restore: 'LATEST_STATE', final: 'FAILED', events: [], newJobs: 0, newSavepoints: 0 },
  { current: 'FINISHED', action: 'CANCELLED', upgrade: 'STATEFUL', restore: 'LATEST_STATE', final: 'CANCELLED', events: NOTHING_RUNS, newJobs: 0, newSavepoints: 0 },
  { current: 'FINISHED', action: 'identical', upgrade: 'STATEFUL', restore: 'LATEST_STATE', final: 'FINISHED', events: [], newJobs: 0, newSavepoints: 0 },
];

describe('deployment lifecycle (simulated Flink, short timings)', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startTestServer(FAST_RUNTIME)));
  afterAll(() => server.close());

  const api = (ns: string) => `/api/v1/namespaces/${ns}`;

  async function deployment(ns: string, name: string): Promise<any> {
    const res = await server.http.get(`${api(ns)}/deployments/${name}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  async function settled(ns: string, name: string, state: State): Promise<any> {
    return eventually(
      async () => {
        const d = await deployment(ns, name);
        return d.status?.state === state && !d.metadata.annotations[TRANSITIONING] ? d : undefined;
      },
      15_000,
      `deployment ${name} ${state}`,
    );
  }

  async function list(ns: string, plural: 'events' | 'jobs' | 'savepoints', deploymentId: string): Promise<any[]> {
    const res = await server.http.get(`${api(ns)}/${plural}?deploymentId=${deploymentId}`);
    expect(res.status).toBe(200);
    return res.body.items;
  }

  /** A namespace with a target, and a deployment brought into `current`. */
  async function setup(current: State, upgrade: Upgrade, restore: Restore) {
    const ns = await createNamespace(server.http, 'life');
    await server.http.post(`${api(ns)}/deployment-targets`).send({ metadata: { name: 't' }, spec: { kubernetes: { namespace: 'jobs' } } }).expect(201);
    const annotations: Record<string, string> = {};
    if (current === 'FAILED') annotations[`${FAULT}fail-start`] = 'true';
    if (current === 'FINISHED') annotations[`${FAULT}finish-after-ms`] = '30';
    const created = await server.http
      .post(`${api(ns)}/deployments`)
      .send({
        metadata: { name: 'app', annotations },
        spec: {
          state: current === 'CANCELLED' ? 'CANCELLED' : 'RUNNING',
          deploymentTargetName: 't',
          upgradeStrategy: { kind: upgrade },
          restoreStrategy: { kind: restore },
          maxJobCreationAttempts: current === 'FAILED' ? 1 : 4,
          template: { spec: { parallelism: 1, artifact: { kind: 'JAR', jarUri: 'https://example.com/app.jar' } } },
        },
      })
      .expect(201);
    const id = created.body.metadata.id as string;
    if (current === 'SUSPENDED') {
      await settled(ns, 'app', 'RUNNING');
      await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'SUSPENDED' } }).expect(200);
    }
    await settled(ns, 'app', current);
    if (current === 'FAILED') {
      // the fault is lifted, but nothing changes until the user asks for a new desired state
      await server.http.patch(`${api(ns)}/deployments/app`).send({ metadata: { annotations: { [`${FAULT}fail-start`]: null } } }).expect(200);
    }
    return { ns, id };
  }

  it.each(CASES.map((c) => [`${c.current} → ${c.action} (upgrade ${c.upgrade}, restore ${c.restore})`, c] as const))('%s', async (_title, c) => {
    const { ns, id } = await setup(c.current, c.upgrade, c.restore);
    const before = {
      events: (await list(ns, 'events', id)).length,
      jobs: (await list(ns, 'jobs', id)).map((j) => j.metadata.id),
      savepoints: (await list(ns, 'savepoints', id)).map((s) => s.metadata.id),
    };
    const setupSavepoint = (await list(ns, 'savepoints', id)).find((s) => s.metadata.origin === 'SUSPEND');

    const patch =
      c.action === 'upgrade'
        ? { spec: { template: { spec: { parallelism: 2 } } } }
        : c.action === 'identical'
          ? { spec: { state: (await deployment(ns, 'app')).spec.state } }
          : { spec: { state: c.action } };
    await server.http.patch(`${api(ns)}/deployments/app`).send(patch).expect(200);

    let final: any;
    if (c.events.length === 0) {
      await new Promise((r) => setTimeout(r, 400)); // give the reconciler every chance to (wrongly) act
      final = await deployment(ns, 'app');
      expect(final.status.state).toBe(c.final);
    } else {
      // the status may already read `final` before the reconciler has seen the change (an upgrade of a
      // RUNNING deployment): wait for the transition's events first
      await eventually(async () => (await list(ns, 'events', id)).length >= before.events + c.events.length, 15_000, 'the transition');
      final = await settled(ns, 'app', c.final);
    }
    expectAppManagerShape('Deployment', final);

    const events = (await list(ns, 'events', id)).slice(before.events);
    for (const e of events) expectAppManagerShape('Event', e);
    expect(events.map((e) => e.metadata.name)).toEqual(c.events);

    const jobs = await list(ns, 'jobs', id);
    const newJobs = jobs.filter((j) => !before.jobs.includes(j.metadata.id));
    expect(newJobs).toHaveLength(c.newJobs);
    const active = jobs.filter((j) => ['STARTING', 'STANDBY', 'STARTED', 'TERMINATING'].includes(j.status.state));
    expect(active).toHaveLength(c.final === 'RUNNING' ? 1 : 0);
    if (c.final === 'RUNNING') expect(final.status.running.jobId).toBe(active[0].metadata.id);

    const savepoints = await list(ns, 'savepoints', id);
    const newSavepoints = savepoints.filter((s) => !before.savepoints.includes(s.metadata.id));
    expect(newSavepoints).toHaveLength(c.newSavepoints);
    for (const s of newSavepoints) {
      expect(s.metadata.origin).toBe('SUSPEND');
      expect(s.status.state).toBe('COMPLETED');
      expect(s.spec.savepointLocation).toMatch(new RegExp(`/deployments/${id}/${s.metadata.id}$`));
    }

    if (c.newJobs === 1) {
      const job = newJobs[0];
      expectAppManagerShape('Job', job);
      expect(job.status.state).toBe('STARTED');
      expect(job.spec.parallelism).toBe(c.action === 'upgrade' ? 2 : 1);
      const expected =
        c.restoreFrom === 'setup-savepoint' ? setupSavepoint.spec.savepointLocation : c.restoreFrom === 'action-savepoint' ? newSavepoints[0].spec.savepointLocation : undefined;
      expect(job.spec.savepointLocation).toBe(expected);
      expect(job.spec.allowNonRestoredState).toBe(false);
    }
    if (c.action === 'upgrade' && c.upgrade === 'NONE') {
      // the change applies at the next start: cancel, start again, and the new job has it
      await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'CANCELLED' } }).expect(200);
      await settled(ns, 'app', 'CANCELLED');
      await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'RUNNING' } }).expect(200);
      const running = await settled(ns, 'app', 'RUNNING');
      const job = (await server.http.get(`${api(ns)}/jobs/${running.status.running.jobId}`)).body;
      expect(job.spec.parallelism).toBe(2);
    }
  });

  it('restores per strategy: LATEST_STATE takes a newer retained checkpoint, LATEST_SAVEPOINT skips it', async () => {
    for (const [restore, expectRetained] of [
      ['LATEST_STATE', true],
      ['LATEST_SAVEPOINT', false],
    ] as const) {
      const { ns, id } = await setup('SUSPENDED', 'STATEFUL', restore);
      const suspendSavepoint = (await list(ns, 'savepoints', id)).find((s) => s.metadata.origin === 'SUSPEND');
      // a retained checkpoint that Flink left behind, found after the job stopped (origin RETAINED_CHECKPOINT)
      const db = server.app.get(PrismaService);
      const store = server.app.get(ResourceStore);
      await db.tx((tx) =>
        store.createIn({ tx, namespace: ns, options: {} }, server.app.get(SavepointStrategy), {
          metadata: { deploymentId: id, origin: 'RETAINED_CHECKPOINT', type: 'INCREMENTAL' },
          spec: { savepointLocation: 's3://bucket/checkpoints/chk-42' },
          status: { state: 'COMPLETED' },
        }),
      );
      await server.http.patch(`${api(ns)}/deployments/app`).send({ spec: { state: 'RUNNING' } }).expect(200);
      const running = await settled(ns, 'app', 'RUNNING');
      const job = (await server.http.get(`${api(ns)}/jobs/${running.status.running.jobId}`)).body;
      expect(job.spec.savepointLocation).toBe(expectRetained ? 's3://bucket/checkpoints/chk-42' : suspendSavepoint.spec.savepointLocation);
    }
  });

  it('forwards allowNonRestoredState to the job', async () => {
    const { ns } = await setup('SUSPENDED', 'STATEFUL', 'LATEST_STATE');
    await server.http
      .patch(`${api(ns)}/deployments/app`)
      .send({ spec: { state: 'RUNNING', restoreStrategy: { allowNonRestoredState: true } } })
      .expect(200);
    const running = await settled(ns, 'app', 'RUNNING');
    const job = (await server.http.get(`${api(ns)}/jobs/${running.status.running.jobId}`)).body;
    expect(job.spec.allowNonRestoredState).toBe(true);
    expect(job.spec.savepointLocation).toEqual(expect.stringContaining('/flink-savepoints/'));
  });
});
