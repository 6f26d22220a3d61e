-- API tokens (Platform API): one row per token, removed with its namespace. The secret is never
-- stored: `lookup_id` is a non-secret random id embedded in the secret (finds the row), `secret_hash`
-- an scrypt hash of the whole secret with a per-token salt (libs/auth/src/secrets.ts).
CREATE TABLE "api_tokens" (
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "lookup_id" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("namespace","name"),
    CONSTRAINT "api_tokens_role_check" CHECK ("role" IN ('viewer', 'editor', 'owner'))
);

CREATE UNIQUE INDEX "api_tokens_lookup_id_key" ON "api_tokens"("lookup_id");

ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_namespace_fkey" FOREIGN KEY ("namespace") REFERENCES "namespaces"("name") ON DELETE CASCADE ON UPDATE CASCADE;
