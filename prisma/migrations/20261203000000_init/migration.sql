-- CreateTable
CREATE TABLE "namespaces" (
    "name" TEXT NOT NULL,
    "role_bindings" JSONB NOT NULL DEFAULT '[]',
    "lifecycle_phase" TEXT NOT NULL DEFAULT 'LIFECYCLE_PHASE_ACTIVE',
    "preview_session_cluster_name" TEXT,
    "resource_version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "modified_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "namespaces_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "resources" (
    "id" UUID NOT NULL,
    "namespace" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT,
    "resource_version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "modified_at" TIMESTAMPTZ(3) NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "spec" JSONB NOT NULL DEFAULT '{}',
    "status" JSONB,

    CONSTRAINT "resources_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "resources_namespace_kind_created_at_idx" ON "resources"("namespace", "kind", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "resources_namespace_kind_name_key" ON "resources"("namespace", "kind", "name");

-- AddForeignKey
ALTER TABLE "resources" ADD CONSTRAINT "resources_namespace_fkey" FOREIGN KEY ("namespace") REFERENCES "namespaces"("name") ON DELETE CASCADE ON UPDATE CASCADE;
