-- AlterTable
ALTER TABLE "call_logs" ADD COLUMN     "media_gateway_url" TEXT,
ADD COLUMN     "media_session_id" TEXT,
ADD COLUMN     "node" TEXT,
ADD COLUMN     "trace_parent" TEXT;

-- CreateTable
CREATE TABLE "node_owners" (
    "node" TEXT NOT NULL,
    "replica_id" TEXT NOT NULL,
    "replica_url" TEXT,
    "acquired_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "node_owners_pkey" PRIMARY KEY ("node")
);

-- CreateTable
CREATE TABLE "login_failures" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "failed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "login_failures_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "call_logs_node_status_idx" ON "call_logs"("node", "status");

-- CreateIndex
CREATE INDEX "login_failures_key_failed_at_idx" ON "login_failures"("key", "failed_at");
