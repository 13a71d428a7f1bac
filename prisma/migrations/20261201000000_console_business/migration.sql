-- AlterTable
ALTER TABLE "businesses" ADD COLUMN     "recording_retention_days" INTEGER,
ADD COLUMN     "transcript_retention_days" INTEGER;

-- AlterTable
ALTER TABLE "call_logs" ADD COLUMN     "recording_deleted_at" TIMESTAMPTZ(3),
ADD COLUMN     "transcript_deleted_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "call_messages" ADD COLUMN     "business_id" UUID,
ADD COLUMN     "called_back_at" TIMESTAMPTZ(3),
ADD COLUMN     "called_back_by" TEXT;

-- Backfill: messages stored before the column existed belong to their call's business.
UPDATE "call_messages" m SET "business_id" = c."business_id" FROM "call_logs" c WHERE c."id" = m."call_id";

-- CreateTable
CREATE TABLE "audit_events" (
    "id" UUID NOT NULL,
    "business_id" UUID,
    "actor_kind" TEXT NOT NULL,
    "actor_id" UUID,
    "actor_label" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_id" TEXT,
    "detail" TEXT,
    "ip" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "call_logs_created_at_idx" ON "call_logs"("created_at" DESC);

-- CreateIndex
CREATE INDEX "call_messages_business_id_created_at_idx" ON "call_messages"("business_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "call_messages_created_at_idx" ON "call_messages"("created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_business_id_created_at_idx" ON "audit_events"("business_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_created_at_idx" ON "audit_events"("created_at" DESC);

-- AddForeignKey
ALTER TABLE "call_messages" ADD CONSTRAINT "call_messages_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "businesses"("id") ON DELETE SET NULL ON UPDATE CASCADE;
