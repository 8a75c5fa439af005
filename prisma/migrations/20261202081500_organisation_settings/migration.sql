-- The organisation's local time (IANA name: local days and weeks of timesheets, DST included) and
-- the one currency its prices are in (ISO 4217 code).
ALTER TABLE "auth"."organisations"
  ADD COLUMN "time_zone" TEXT NOT NULL DEFAULT 'UTC',
  ADD COLUMN "currency" CHAR(3) NOT NULL DEFAULT 'EUR';

-- A name PostgreSQL cannot resolve fails here with SQLSTATE 22023, before any row holds it.
ALTER TABLE "auth"."organisations"
  ADD CONSTRAINT "organisations_time_zone_check"
    CHECK ((TIMESTAMPTZ '2000-01-01 00:00:00+00' AT TIME ZONE "time_zone") IS NOT NULL),
  ADD CONSTRAINT "organisations_currency_check" CHECK ("currency" ~ '^[A-Z]{3}$');
