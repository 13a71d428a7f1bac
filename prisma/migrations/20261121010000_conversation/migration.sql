-- AlterEnum
ALTER TYPE "call_status" ADD VALUE 'transferred';

-- AlterTable
ALTER TABLE "call_logs" ADD COLUMN     "failure" TEXT,
ADD COLUMN     "failure_provider" TEXT,
ADD COLUMN     "transfer_target" TEXT;

-- CreateTable
CREATE TABLE "call_messages" (
    "id" UUID NOT NULL,
    "call_id" UUID NOT NULL,
    "caller_name" TEXT NOT NULL,
    "callback_number" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "call_messages_call_id_idx" ON "call_messages"("call_id");

-- AddForeignKey
ALTER TABLE "call_messages" ADD CONSTRAINT "call_messages_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "call_logs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
