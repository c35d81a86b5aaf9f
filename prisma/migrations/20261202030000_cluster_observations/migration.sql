-- Issue 13: `submitted` on every version (the config document as it was sent, private-key material removed), and
-- observations of what each cluster really holds.
--
-- Existing versions: the document each was submitted as was never kept, so this migration fills `submitted` with the
-- version's normalized `config`, the best it can do. For those versions `submitted` is the canonical form (canonical
-- key names, noProxy sorted, lower-cased and de-duplicated, trustedCa re-encoded), so a stored finding whose pointer
-- named a spelling or an index of the original document (`/trustedCA`, `/noProxy/7`) may not resolve against it.
-- No stored version can hold a private key (a config with one never passed validation), so nothing is removed.
-- Versions submitted from now on keep the document exactly as sent.
ALTER TABLE "config_versions" ADD COLUMN "submitted" JSONB;
UPDATE "config_versions" SET "submitted" = "config";
ALTER TABLE "config_versions" ALTER COLUMN "submitted" SET NOT NULL;


-- CreateTable
CREATE TABLE "observations" (
    "id" UUID NOT NULL,
    "seq" SERIAL NOT NULL,
    "cluster_id" UUID NOT NULL,
    "state" TEXT NOT NULL,
    "version" INTEGER,
    "observed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "observed_by" TEXT NOT NULL,
    "observed_via" TEXT,
    "differences" JSONB NOT NULL DEFAULT '[]',
    "observed" JSONB NOT NULL DEFAULT '{}',
    "request_id" TEXT,

    CONSTRAINT "observations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "observations_seq_key" ON "observations"("seq");

-- CreateIndex
CREATE INDEX "observations_cluster_id_seq_idx" ON "observations"("cluster_id", "seq" DESC);

-- CreateIndex
CREATE INDEX "config_versions_status_submitted_at_idx" ON "config_versions"("status", "submitted_at");

-- AddForeignKey
ALTER TABLE "observations" ADD CONSTRAINT "observations_cluster_id_fkey" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
