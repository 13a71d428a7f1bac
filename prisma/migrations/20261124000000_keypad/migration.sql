-- AlterTable
ALTER TABLE "businesses" ADD COLUMN     "keypad_actions" TEXT NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "call_turns" ADD COLUMN     "dtmf" TEXT;
