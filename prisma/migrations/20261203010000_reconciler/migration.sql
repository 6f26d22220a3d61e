-- Insertion order of resources (events of one transaction share a timestamp; lists and event
-- sequences are ordered by this).
ALTER TABLE "resources" ADD COLUMN "seq" BIGSERIAL NOT NULL;
CREATE INDEX "resources_namespace_kind_seq_idx" ON "resources"("namespace", "kind", "seq");

-- Filters such as ?deploymentId= and ?jobId= are containment queries on metadata.
CREATE INDEX "resources_metadata_idx" ON "resources" USING GIN ("metadata" jsonb_path_ops);

-- At most one non-terminal Job per deployment, guaranteed by the database whatever the replicas do.
CREATE UNIQUE INDEX "resources_one_active_job_per_deployment" ON "resources" ((metadata->>'deploymentId'))
  WHERE kind = 'Job' AND (status->>'state') IN ('STARTING', 'STANDBY', 'STARTED', 'TERMINATING');

-- The reconciler's work queue: one row per resource that needs the controller's attention. `intent`
-- is the transition in progress, written before acting, so a restarted server continues it.
CREATE TABLE "reconcile_queue" (
    "resource_id" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "next_run_at" TIMESTAMPTZ(3),
    "intent" JSONB,
    "memory" JSONB NOT NULL DEFAULT '{}',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reconcile_queue_pkey" PRIMARY KEY ("resource_id")
);
CREATE INDEX "reconcile_queue_due_idx" ON "reconcile_queue"("next_run_at") WHERE "next_run_at" IS NOT NULL;
ALTER TABLE "reconcile_queue" ADD CONSTRAINT "reconcile_queue_resource_id_fkey" FOREIGN KEY ("resource_id") REFERENCES "resources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE INDEX "namespaces_terminating_idx" ON "namespaces"("name") WHERE "lifecycle_phase" = 'LIFECYCLE_PHASE_TERMINATING';

-- State of the simulated Flink runtime (the default runtime adapter). It stands for an external
-- system, so it has no foreign keys to our resources.
CREATE TABLE "simulated_flink_jobs" (
    "job_id" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "deployment_id" UUID NOT NULL,
    "restored_from" TEXT,
    "allow_non_restored_state" BOOLEAN NOT NULL DEFAULT false,
    "submitted_at" TIMESTAMPTZ(3) NOT NULL,
    "running_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "cancel_requested_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),
    "failure" TEXT,

    CONSTRAINT "simulated_flink_jobs_pkey" PRIMARY KEY ("job_id")
);

CREATE TABLE "simulated_flink_savepoints" (
    "savepoint_id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "location" TEXT NOT NULL,
    "stop_job" BOOLEAN NOT NULL DEFAULT false,
    "requested_at" TIMESTAMPTZ(3) NOT NULL,
    "completes_at" TIMESTAMPTZ(3) NOT NULL,
    "fails" BOOLEAN NOT NULL DEFAULT false,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "simulated_flink_savepoints_pkey" PRIMARY KEY ("savepoint_id")
);

-- Wake-ups written by user requests (plain inserts, which never wait on a reconciler step).
CREATE TABLE "reconcile_wakeups" (
    "id" BIGSERIAL NOT NULL,
    "resource_id" UUID NOT NULL,

    CONSTRAINT "reconcile_wakeups_pkey" PRIMARY KEY ("id")
);
