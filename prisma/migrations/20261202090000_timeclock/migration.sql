-- Timeclock: shifts (time entries) with their breaks, and approved timesheets. btree_gist lets one
-- exclusion constraint compare a user (=) and a time range (&&) together.
CREATE EXTENSION IF NOT EXISTS "btree_gist";
-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "timeclock";

-- CreateEnum
CREATE TYPE "timeclock"."time_entry_source" AS ENUM ('web', 'mobile', 'kiosk');

-- CreateTable
CREATE TABLE "timeclock"."time_entries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "clock_in" TIMESTAMPTZ(0) NOT NULL,
    "clock_out" TIMESTAMPTZ(0),
    "source" "timeclock"."time_entry_source" NOT NULL,
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "notes" TEXT,
    "approval_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "time_entries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "timeclock"."time_breaks" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "entry_id" UUID NOT NULL,
    "started_at" TIMESTAMPTZ(0) NOT NULL,
    "ended_at" TIMESTAMPTZ(0),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "time_breaks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "timeclock"."timesheet_approvals" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "from_date" DATE NOT NULL,
    "to_date" DATE NOT NULL,
    "starts_at" TIMESTAMPTZ(0) NOT NULL,
    "ends_at" TIMESTAMPTZ(0) NOT NULL,
    "approved_by" UUID NOT NULL,
    "approved_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "timesheet_approvals_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "time_entries_organisation_id_clock_in_id_idx" ON "timeclock"."time_entries"("organisation_id", "clock_in" DESC, "id");

-- CreateIndex
CREATE INDEX "time_entries_user_id_clock_in_id_idx" ON "timeclock"."time_entries"("user_id", "clock_in" DESC, "id");

-- CreateIndex
CREATE INDEX "time_entries_approval_id_idx" ON "timeclock"."time_entries"("approval_id");

-- CreateIndex
CREATE INDEX "time_breaks_entry_id_started_at_idx" ON "timeclock"."time_breaks"("entry_id", "started_at");

-- CreateIndex
CREATE INDEX "timesheet_approvals_organisation_id_from_date_id_idx" ON "timeclock"."timesheet_approvals"("organisation_id", "from_date" DESC, "id");

-- CreateIndex
CREATE INDEX "timesheet_approvals_user_id_from_date_idx" ON "timeclock"."timesheet_approvals"("user_id", "from_date" DESC);

-- CreateIndex
CREATE INDEX "timesheet_approvals_approved_by_idx" ON "timeclock"."timesheet_approvals"("approved_by");

-- AddForeignKey
ALTER TABLE "timeclock"."time_entries" ADD CONSTRAINT "time_entries_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeclock"."time_entries" ADD CONSTRAINT "time_entries_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "auth"."users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeclock"."time_entries" ADD CONSTRAINT "time_entries_approval_id_fkey" FOREIGN KEY ("approval_id") REFERENCES "timeclock"."timesheet_approvals"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeclock"."time_breaks" ADD CONSTRAINT "time_breaks_entry_id_fkey" FOREIGN KEY ("entry_id") REFERENCES "timeclock"."time_entries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeclock"."timesheet_approvals" ADD CONSTRAINT "timesheet_approvals_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeclock"."timesheet_approvals" ADD CONSTRAINT "timesheet_approvals_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "auth"."users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "timeclock"."timesheet_approvals" ADD CONSTRAINT "timesheet_approvals_approved_by_fkey" FOREIGN KEY ("approved_by") REFERENCES "auth"."users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;


-- References to people refuse a delete only at commit, so that deleting an organisation removes
-- both sides (as in the init migration). An approval referenced by entries cannot be deleted.
ALTER TABLE "timeclock"."time_entries" ALTER CONSTRAINT "time_entries_user_id_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "timeclock"."time_entries" ALTER CONSTRAINT "time_entries_approval_id_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "timeclock"."timesheet_approvals" ALTER CONSTRAINT "timesheet_approvals_user_id_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "timeclock"."timesheet_approvals" ALTER CONSTRAINT "timesheet_approvals_approved_by_fkey" DEFERRABLE INITIALLY DEFERRED;

-- What the app must never get wrong. Ranges are half-open: one shift may end when the next begins.
ALTER TABLE "timeclock"."time_entries"
  ADD CONSTRAINT "time_entries_clock_out_after_clock_in" CHECK ("clock_out" > "clock_in"),
  ADD CONSTRAINT "time_entries_dates_range"
    CHECK ("clock_in" >= '1900-01-01' AND "clock_in" < '2200-01-01' AND ("clock_out" IS NULL OR "clock_out" < '2200-01-01')),
  ADD CONSTRAINT "time_entries_location_pair" CHECK (("latitude" IS NULL) = ("longitude" IS NULL)),
  ADD CONSTRAINT "time_entries_location_range"
    CHECK ("latitude" BETWEEN -90 AND 90 AND "longitude" BETWEEN -180 AND 180),
  ADD CONSTRAINT "time_entries_no_overlap" EXCLUDE USING gist
    ("user_id" WITH =, tstzrange("clock_in", COALESCE("clock_out", 'infinity'), '[)') WITH &&);
CREATE UNIQUE INDEX "time_entries_one_open_per_user" ON "timeclock"."time_entries" ("user_id") WHERE "clock_out" IS NULL;

ALTER TABLE "timeclock"."time_breaks"
  ADD CONSTRAINT "time_breaks_end_after_start" CHECK ("ended_at" > "started_at"),
  ADD CONSTRAINT "time_breaks_no_overlap" EXCLUDE USING gist
    ("entry_id" WITH =, tstzrange("started_at", COALESCE("ended_at", 'infinity'), '[)') WITH &&);

ALTER TABLE "timeclock"."timesheet_approvals"
  ADD CONSTRAINT "timesheet_approvals_period_order" CHECK ("to_date" >= "from_date" AND "ends_at" > "starts_at"),
  ADD CONSTRAINT "timesheet_approvals_dates_range" CHECK ("from_date" >= '1900-01-01' AND "to_date" < '2200-01-01'),
  ADD CONSTRAINT "timesheet_approvals_no_overlap" EXCLUDE USING gist
    ("user_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&);

-- Every entry and approval stays in its user's organisation (see integrity_guards); an entry's
-- approval is one of its own user's. Who approved is not held to the organisation, like an audit
-- event's actor: a superadmin may approve.
CREATE FUNCTION "timeclock"."check_time_entry_references"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "auth"."require_same_organisation"(NEW.organisation_id,
    (SELECT organisation_id FROM "auth"."users" WHERE id = NEW.user_id), 'User');
  IF NEW.approval_id IS NOT NULL
    AND (SELECT user_id FROM "timeclock"."timesheet_approvals" WHERE id = NEW.approval_id) IS DISTINCT FROM NEW.user_id THEN
    RAISE EXCEPTION 'the TimesheetApproval is of another user' USING ERRCODE = 'foreign_key_violation', HINT = 'TimesheetApproval';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "time_entries_same_organisation"
  BEFORE INSERT OR UPDATE OF organisation_id, user_id, approval_id ON "timeclock"."time_entries"
  FOR EACH ROW EXECUTE FUNCTION "timeclock"."check_time_entry_references"();

CREATE FUNCTION "timeclock"."check_timesheet_approval_references"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "auth"."require_same_organisation"(NEW.organisation_id,
    (SELECT organisation_id FROM "auth"."users" WHERE id = NEW.user_id), 'User');
  RETURN NEW;
END $$;
CREATE TRIGGER "timesheet_approvals_same_organisation"
  BEFORE INSERT OR UPDATE OF organisation_id, user_id ON "timeclock"."timesheet_approvals"
  FOR EACH ROW EXECUTE FUNCTION "timeclock"."check_timesheet_approval_references"();

-- Approved time is locked. An entry in an approved timesheet (approval_id set) cannot change or be
-- deleted, and no entry without one may be written into a period approved for its user. Its breaks
-- stay inside it. Deleting the organisation (a cascade, deeper than 1) still removes everything.
CREATE FUNCTION "timeclock"."guard_time_entry"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.approval_id IS NOT NULL AND (TG_OP = 'UPDATE' OR pg_trigger_depth() < 2) THEN
    RAISE EXCEPTION 'time entry % is in an approved timesheet: violates check constraint "time_entries_approved_locked"', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'time_entries_approved_locked';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  -- A clock-out before the clock-in is left to its CHECK: it makes no range to compare.
  IF NEW.clock_out <= NEW.clock_in THEN
    RETURN NEW;
  END IF;
  IF NEW.approval_id IS NULL AND EXISTS (
    SELECT 1 FROM "timeclock"."timesheet_approvals" a
    WHERE a.user_id = NEW.user_id
      AND tstzrange(a.starts_at, a.ends_at, '[)') && tstzrange(NEW.clock_in, COALESCE(NEW.clock_out, 'infinity'), '[)')
  ) THEN
    RAISE EXCEPTION 'time entry % falls in an approved timesheet: violates check constraint "time_entries_approved_locked"', NEW.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'time_entries_approved_locked';
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.clock_in, NEW.clock_out) IS DISTINCT FROM (OLD.clock_in, OLD.clock_out) AND EXISTS (
    SELECT 1 FROM "timeclock"."time_breaks" b
    WHERE b.entry_id = NEW.id
      AND (b.started_at < NEW.clock_in OR COALESCE(b.ended_at, 'infinity') > COALESCE(NEW.clock_out, 'infinity'))
  ) THEN
    RAISE EXCEPTION 'a break of time entry % would fall outside it: violates check constraint "time_breaks_within_entry"', NEW.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'time_breaks_within_entry';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "time_entries_guard" BEFORE INSERT OR UPDATE OR DELETE ON "timeclock"."time_entries"
  FOR EACH ROW EXECUTE FUNCTION "timeclock"."guard_time_entry"();

CREATE FUNCTION "timeclock"."guard_time_break"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  entry "timeclock"."time_entries";
BEGIN
  IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
    RETURN OLD;
  END IF;
  -- FOR SHARE: the entry cannot change under its break until this transaction ends.
  SELECT * INTO entry FROM "timeclock"."time_entries"
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.entry_id ELSE NEW.entry_id END FOR SHARE;
  IF entry.approval_id IS NOT NULL
    OR (TG_OP = 'UPDATE' AND OLD.entry_id <> NEW.entry_id
        AND (SELECT approval_id FROM "timeclock"."time_entries" WHERE id = OLD.entry_id) IS NOT NULL) THEN
    RAISE EXCEPTION 'the breaks of time entry % are in an approved timesheet: violates check constraint "time_entries_approved_locked"', entry.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'time_entries_approved_locked';
  END IF;
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  IF NEW.started_at < entry.clock_in OR COALESCE(NEW.ended_at, 'infinity') > COALESCE(entry.clock_out, 'infinity') THEN
    RAISE EXCEPTION 'a break must lie inside its time entry %: violates check constraint "time_breaks_within_entry"', entry.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'time_breaks_within_entry';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "time_breaks_guard" BEFORE INSERT OR UPDATE OR DELETE ON "timeclock"."time_breaks"
  FOR EACH ROW EXECUTE FUNCTION "timeclock"."guard_time_break"();

-- An approval is a record of what was approved: it never changes, and goes only with its organisation.
CREATE FUNCTION "timeclock"."guard_timesheet_approval"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' OR pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'timesheet approval % cannot change: violates check constraint "timesheet_approvals_immutable"', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'timesheet_approvals_immutable';
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER "timesheet_approvals_guard" BEFORE UPDATE OR DELETE ON "timeclock"."timesheet_approvals"
  FOR EACH ROW EXECUTE FUNCTION "timeclock"."guard_timesheet_approval"();
