-- AlterTable
ALTER TABLE "businesses" ADD COLUMN     "engine" TEXT NOT NULL DEFAULT 'cascade',
ADD COLUMN     "engine_settings" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "vad_mode" TEXT NOT NULL DEFAULT 'energy';

-- AlterTable
ALTER TABLE "call_logs" ADD COLUMN     "engine" TEXT;
