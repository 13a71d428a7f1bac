-- CreateTable
CREATE TABLE "ai_share_blocks" (
    "business_id" UUID NOT NULL,
    "share" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ai_share_blocks_pkey" PRIMARY KEY ("business_id")
);

-- AddForeignKey
ALTER TABLE "ai_share_blocks" ADD CONSTRAINT "ai_share_blocks_business_id_fkey" FOREIGN KEY ("business_id") REFERENCES "businesses"("id") ON DELETE CASCADE ON UPDATE CASCADE;
