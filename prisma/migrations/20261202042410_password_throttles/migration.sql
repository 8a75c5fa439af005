-- DropTable
DROP TABLE "auth"."login_failures";

-- CreateTable
CREATE TABLE "auth"."password_throttles" (
    "key" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "window_started_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "password_throttles_pkey" PRIMARY KEY ("key")
);
