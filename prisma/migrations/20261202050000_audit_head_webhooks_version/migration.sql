-- Moves on with every appended `webhook.*` event, in the statement that appends it (with the chain head locked).
-- A process's cached webhook subscriptions are used only while this still equals the value they were read at.
ALTER TABLE "audit_head" ADD COLUMN "webhooks_version" INTEGER NOT NULL DEFAULT 0;
