-- CreateEnum
CREATE TYPE "transfer_mode" AS ENUM ('cold', 'warm');

-- AlterEnum
ALTER TYPE "call_status" ADD VALUE 'busy';
ALTER TYPE "call_status" ADD VALUE 'no_answer';

-- AlterTable
ALTER TABLE "businesses" ADD COLUMN     "ai_share" INTEGER NOT NULL DEFAULT 100,
ADD COLUMN     "outbound_caller_id" TEXT,
ADD COLUMN     "outbound_days" TEXT NOT NULL DEFAULT 'mon,tue,wed,thu,fri',
ADD COLUMN     "outbound_max_concurrent" INTEGER NOT NULL DEFAULT 2,
ADD COLUMN     "outbound_max_per_minute" INTEGER NOT NULL DEFAULT 5,
ADD COLUMN     "outbound_window_end" TEXT NOT NULL DEFAULT '18:00',
ADD COLUMN     "outbound_window_start" TEXT NOT NULL DEFAULT '09:00',
ADD COLUMN     "transfer_mode" "transfer_mode" NOT NULL DEFAULT 'cold',
ADD COLUMN     "voicemail_message" TEXT;

-- AlterTable
ALTER TABLE "call_logs" ADD COLUMN     "amd_cause" TEXT,
ADD COLUMN     "amd_result" TEXT,
ADD COLUMN     "outbound_purpose" TEXT,
ADD COLUMN     "outbound_variables" JSONB,
ADD COLUMN     "requested_by" TEXT,
ADD COLUMN     "routed_to_human" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "transfer_outcome" TEXT;

-- CreateTable
CREATE TABLE "do_not_call" (
    "id" UUID NOT NULL,
    "business_id" UUID NOT NULL,
    "e164" TEXT NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "do_not_call_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_extensions" (
    "id" UUID NOT NULL,
    "business_id" UUID NOT NULL,
    "staff_user_id" UUID,
    "extension" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "password_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabled_at" TIMESTAMPTZ(3),

    CONSTRAINT "staff_extensions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "do_not_call_business_id_e164_key" ON "do_not_call"("business_id", "e164");

-- CreateIndex
CREATE UNIQUE INDEX "staff_extensions_extension_key" ON "staff_extensions"("extension");

-- CreateIndex
CREATE INDEX "staff_extensions_business_id_idx" ON "staff_extensions"("business_id");

-- CreateIndex
CREATE INDEX "call_logs_business_id_direction_status_idx" ON "call_logs"("business_id", "direction", "status");

-- AddForeignKey
ALTER TABLE "do_not_call" ADD CONSTRAINT "do_not_call_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "businesses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_extensions" ADD CONSTRAINT "staff_extensions_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "businesses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_extensions" ADD CONSTRAINT "staff_extensions_staff_user_id_fkey" FOREIGN KEY ("staff_user_id") REFERENCES "staff_users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
