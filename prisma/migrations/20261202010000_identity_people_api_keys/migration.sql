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

-- API key names are case-insensitive and unique (API.md "API keys": 409 API_KEY_EXISTS).
CREATE UNIQUE INDEX "api_keys_name_lower_key" ON "api_keys" (lower("name"));
