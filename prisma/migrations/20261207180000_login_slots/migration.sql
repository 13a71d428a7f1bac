-- CreateTable
CREATE TABLE "login_slots" (
    "key" TEXT NOT NULL,
    "next_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "login_slots_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "login_failures_failed_at_idx" ON "login_failures"("failed_at");

-- CreateIndex
CREATE INDEX "login_slots_next_at_idx" ON "login_slots"("next_at");
