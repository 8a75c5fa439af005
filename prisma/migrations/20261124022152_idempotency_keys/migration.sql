-- CreateTable
CREATE TABLE "audit"."idempotency_keys" (
    "organisation_id" UUID NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "operation" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "entity_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("organisation_id","key")
);

-- CreateIndex
CREATE INDEX "idempotency_keys_created_at_idx" ON "audit"."idempotency_keys"("created_at");

-- AddForeignKey
ALTER TABLE "audit"."idempotency_keys" ADD CONSTRAINT "idempotency_keys_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
