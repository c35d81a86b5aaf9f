-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_used_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "people" (
    "name" TEXT NOT NULL,
    "roles" TEXT[],
    "source" TEXT NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "people_pkey" PRIMARY KEY ("name")
);

-- API key names are case-insensitive and unique (API.md "API keys": 409 API_KEY_EXISTS): name_key is the name
-- lower-cased. Existing keys whose names differ only in case must be renamed before this migration.
ALTER TABLE "api_keys" ADD COLUMN "name_key" TEXT;
UPDATE "api_keys" SET "name_key" = lower("name");
ALTER TABLE "api_keys" ALTER COLUMN "name_key" SET NOT NULL;
CREATE UNIQUE INDEX "api_keys_name_key_key" ON "api_keys"("name_key");
