-- CreateEnum
CREATE TYPE "call_direction" AS ENUM ('inbound', 'outbound');

-- CreateEnum
CREATE TYPE "call_status" AS ENUM ('ringing', 'answered', 'completed', 'failed', 'unrouted', 'abandoned', 'interrupted');

-- CreateEnum
CREATE TYPE "turn_role" AS ENUM ('caller', 'agent');

-- CreateTable
CREATE TABLE "businesses" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "greeting" TEXT NOT NULL,
    "system_prompt" TEXT NOT NULL,
    "voice" TEXT NOT NULL,
    "language" TEXT NOT NULL DEFAULT 'en',
    "transfer_target" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "businesses_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "phone_numbers" (
    "id" UUID NOT NULL,
    "e164" TEXT NOT NULL,
    "business_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "phone_numbers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call_logs" (
    "id" UUID NOT NULL,
    "business_id" UUID,
    "channel_id" TEXT NOT NULL,
    "direction" "call_direction" NOT NULL DEFAULT 'inbound',
    "from_number" TEXT,
    "to_number" TEXT NOT NULL,
    "status" "call_status" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "answered_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,
    "hangup_cause" TEXT,
    "hangup_cause_code" INTEGER,
    "bridge_id" TEXT,
    "media_channel_id" TEXT,
    "recording_path" TEXT,
    "error" TEXT,

    CONSTRAINT "call_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call_turns" (
    "id" UUID NOT NULL,
    "call_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "role" "turn_role" NOT NULL,
    "text" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "interrupted" BOOLEAN NOT NULL DEFAULT false,
    "stt_final_ms" INTEGER,
    "llm_first_token_ms" INTEGER,
    "tts_first_audio_ms" INTEGER,
    "voice_to_voice_ms" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_turns_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "phone_numbers_e164_key" ON "phone_numbers"("e164");

-- CreateIndex
CREATE INDEX "phone_numbers_business_id_idx" ON "phone_numbers"("business_id");

-- CreateIndex
CREATE UNIQUE INDEX "call_logs_channel_id_key" ON "call_logs"("channel_id");

-- CreateIndex
CREATE INDEX "call_logs_business_id_created_at_idx" ON "call_logs"("business_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "call_logs_status_idx" ON "call_logs"("status");

-- CreateIndex
CREATE UNIQUE INDEX "call_turns_call_id_seq_key" ON "call_turns"("call_id", "seq");

-- AddForeignKey
ALTER TABLE "phone_numbers" ADD CONSTRAINT "phone_numbers_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "businesses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_logs" ADD CONSTRAINT "call_logs_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "businesses"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_turns" ADD CONSTRAINT "call_turns_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "call_logs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
