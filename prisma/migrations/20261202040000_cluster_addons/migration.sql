-- AlterTable
ALTER TABLE "clusters" ADD COLUMN     "addons" JSONB NOT NULL DEFAULT '{"istio": false, "monitoring": false}';
