-- Safety (seed 002's module): checklists per equipment category in immutable versions, inspections
-- against the version current when they started, corrective actions that keep failed equipment out
-- of service until the maintenance that fixes it, and incidents moved through their workflow.
-- The rules the app must never get wrong are PostgreSQL's too: CHECKs and the triggers below.
-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "safety";

-- CreateEnum
CREATE TYPE "safety"."checklist_item_kind" AS ENUM ('yes_no', 'number', 'text');

-- CreateEnum
CREATE TYPE "safety"."inspection_result" AS ENUM ('pass', 'fail');

-- CreateEnum
CREATE TYPE "safety"."corrective_action_status" AS ENUM ('open', 'closed');

-- CreateEnum
CREATE TYPE "safety"."incident_kind" AS ENUM ('near_miss', 'injury', 'damage');

-- CreateEnum
CREATE TYPE "safety"."incident_severity" AS ENUM ('low', 'medium', 'high', 'critical');

-- CreateEnum
CREATE TYPE "safety"."incident_status" AS ENUM ('reported', 'investigating', 'closed');

-- CreateEnum
CREATE TYPE "safety"."incident_involvement" AS ENUM ('involved', 'injured', 'witness');

-- AlterEnum
ALTER TYPE "assets"."equipment_status" ADD VALUE 'out_of_service';

-- CreateTable
CREATE TABLE "safety"."checklist_templates" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "category" "assets"."equipment_category" NOT NULL,
    "name" TEXT NOT NULL,
    "interval_days" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checklist_templates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "safety"."checklist_template_versions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "template_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checklist_template_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "safety"."checklist_items" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "version_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "kind" "safety"."checklist_item_kind" NOT NULL,
    "critical" BOOLEAN NOT NULL DEFAULT false,
    "min_value" DECIMAL(12,2),
    "max_value" DECIMAL(12,2),
    "unit" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checklist_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "safety"."inspections" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "equipment_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "inspector_id" UUID NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "submitted_at" TIMESTAMPTZ(3),
    "result" "safety"."inspection_result",
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inspections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "safety"."inspection_answers" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "inspection_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "yes_value" BOOLEAN,
    "number_value" DECIMAL(12,2),
    "text_value" TEXT,
    "failed" BOOLEAN NOT NULL,
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inspection_answers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "safety"."corrective_actions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "inspection_id" UUID NOT NULL,
    "equipment_id" UUID NOT NULL,
    "description" TEXT NOT NULL,
    "status" "safety"."corrective_action_status" NOT NULL DEFAULT 'open',
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),
    "maintenance_record_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "corrective_actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "safety"."incidents" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "kind" "safety"."incident_kind" NOT NULL,
    "severity" "safety"."incident_severity" NOT NULL,
    "status" "safety"."incident_status" NOT NULL DEFAULT 'reported',
    "description" TEXT NOT NULL,
    "location" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "equipment_id" UUID,
    "reported_by" UUID NOT NULL,
    "reported_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "investigation_started_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "resolution" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "safety"."incident_people" (
    "incident_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "involvement" "safety"."incident_involvement" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "incident_people_pkey" PRIMARY KEY ("incident_id","user_id")
);

-- CreateIndex
CREATE INDEX "checklist_templates_organisation_id_name_id_idx" ON "safety"."checklist_templates"("organisation_id", "name", "id");

-- CreateIndex
CREATE UNIQUE INDEX "checklist_templates_organisation_id_category_key" ON "safety"."checklist_templates"("organisation_id", "category");

-- CreateIndex
CREATE INDEX "checklist_template_versions_created_by_idx" ON "safety"."checklist_template_versions"("created_by");

-- CreateIndex
CREATE UNIQUE INDEX "checklist_template_versions_template_id_number_key" ON "safety"."checklist_template_versions"("template_id", "number");

-- CreateIndex
CREATE UNIQUE INDEX "checklist_items_version_id_position_key" ON "safety"."checklist_items"("version_id", "position");

-- CreateIndex
CREATE INDEX "inspections_organisation_id_started_at_id_idx" ON "safety"."inspections"("organisation_id", "started_at" DESC, "id");

-- CreateIndex
CREATE INDEX "inspections_equipment_id_result_submitted_at_idx" ON "safety"."inspections"("equipment_id", "result", "submitted_at" DESC);

-- CreateIndex
CREATE INDEX "inspections_inspector_id_started_at_idx" ON "safety"."inspections"("inspector_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "inspections_version_id_idx" ON "safety"."inspections"("version_id");

-- CreateIndex
CREATE INDEX "inspection_answers_item_id_idx" ON "safety"."inspection_answers"("item_id");

-- CreateIndex
CREATE UNIQUE INDEX "inspection_answers_inspection_id_item_id_key" ON "safety"."inspection_answers"("inspection_id", "item_id");

-- CreateIndex
CREATE UNIQUE INDEX "corrective_actions_inspection_id_key" ON "safety"."corrective_actions"("inspection_id");

-- CreateIndex
CREATE UNIQUE INDEX "corrective_actions_maintenance_record_id_key" ON "safety"."corrective_actions"("maintenance_record_id");

-- CreateIndex
CREATE INDEX "corrective_actions_organisation_id_status_opened_at_idx" ON "safety"."corrective_actions"("organisation_id", "status", "opened_at" DESC);

-- CreateIndex
CREATE INDEX "corrective_actions_organisation_id_opened_at_id_idx" ON "safety"."corrective_actions"("organisation_id", "opened_at" DESC, "id");

-- CreateIndex
CREATE INDEX "corrective_actions_equipment_id_status_idx" ON "safety"."corrective_actions"("equipment_id", "status");

-- CreateIndex
CREATE INDEX "incidents_organisation_id_status_reported_at_idx" ON "safety"."incidents"("organisation_id", "status", "reported_at" DESC);

-- CreateIndex
CREATE INDEX "incidents_organisation_id_reported_at_id_idx" ON "safety"."incidents"("organisation_id", "reported_at" DESC, "id");

-- CreateIndex
CREATE INDEX "incidents_equipment_id_idx" ON "safety"."incidents"("equipment_id");

-- CreateIndex
CREATE INDEX "incidents_reported_by_reported_at_idx" ON "safety"."incidents"("reported_by", "reported_at" DESC);

-- CreateIndex
CREATE INDEX "incident_people_user_id_idx" ON "safety"."incident_people"("user_id");

-- AddForeignKey
ALTER TABLE "safety"."checklist_templates" ADD CONSTRAINT "checklist_templates_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."checklist_template_versions" ADD CONSTRAINT "checklist_template_versions_template_id_fkey" FOREIGN KEY ("template_id") REFERENCES "safety"."checklist_templates"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."checklist_template_versions" ADD CONSTRAINT "checklist_template_versions_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "auth"."users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."checklist_items" ADD CONSTRAINT "checklist_items_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "safety"."checklist_template_versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."inspections" ADD CONSTRAINT "inspections_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."inspections" ADD CONSTRAINT "inspections_equipment_id_fkey" FOREIGN KEY ("equipment_id") REFERENCES "assets"."equipment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."inspections" ADD CONSTRAINT "inspections_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "safety"."checklist_template_versions"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."inspections" ADD CONSTRAINT "inspections_inspector_id_fkey" FOREIGN KEY ("inspector_id") REFERENCES "auth"."users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."inspection_answers" ADD CONSTRAINT "inspection_answers_inspection_id_fkey" FOREIGN KEY ("inspection_id") REFERENCES "safety"."inspections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."inspection_answers" ADD CONSTRAINT "inspection_answers_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "safety"."checklist_items"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."corrective_actions" ADD CONSTRAINT "corrective_actions_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."corrective_actions" ADD CONSTRAINT "corrective_actions_inspection_id_fkey" FOREIGN KEY ("inspection_id") REFERENCES "safety"."inspections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."corrective_actions" ADD CONSTRAINT "corrective_actions_equipment_id_fkey" FOREIGN KEY ("equipment_id") REFERENCES "assets"."equipment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."corrective_actions" ADD CONSTRAINT "corrective_actions_maintenance_record_id_fkey" FOREIGN KEY ("maintenance_record_id") REFERENCES "assets"."maintenance_records"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."incidents" ADD CONSTRAINT "incidents_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."incidents" ADD CONSTRAINT "incidents_equipment_id_fkey" FOREIGN KEY ("equipment_id") REFERENCES "assets"."equipment"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."incidents" ADD CONSTRAINT "incidents_reported_by_fkey" FOREIGN KEY ("reported_by") REFERENCES "auth"."users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."incident_people" ADD CONSTRAINT "incident_people_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "safety"."incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "safety"."incident_people" ADD CONSTRAINT "incident_people_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "auth"."users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;


-- Checklists.
ALTER TABLE "safety"."checklist_templates"
  ADD CONSTRAINT "checklist_templates_name_not_blank" CHECK (btrim("name") <> ''),
  ADD CONSTRAINT "checklist_templates_interval_days_range" CHECK ("interval_days" BETWEEN 1 AND 3650);
ALTER TABLE "safety"."checklist_template_versions"
  ADD CONSTRAINT "checklist_template_versions_number_positive" CHECK ("number" > 0);
ALTER TABLE "safety"."checklist_items"
  ADD CONSTRAINT "checklist_items_position_positive" CHECK ("position" > 0),
  ADD CONSTRAINT "checklist_items_label_not_blank" CHECK (btrim("label") <> ''),
  ADD CONSTRAINT "checklist_items_range_only_for_numbers"
    CHECK ("kind" = 'number' OR ("min_value" IS NULL AND "max_value" IS NULL)),
  ADD CONSTRAINT "checklist_items_range_ordered" CHECK ("min_value" <= "max_value"),
  ADD CONSTRAINT "checklist_items_text_not_critical" CHECK ("kind" <> 'text' OR NOT "critical");

-- Inspections: an answer per item, one value of the item's kind; the result follows from the answers.
ALTER TABLE "safety"."inspections"
  ADD CONSTRAINT "inspections_result_when_submitted" CHECK (("submitted_at" IS NULL) = ("result" IS NULL)),
  ADD CONSTRAINT "inspections_submitted_after_start" CHECK ("submitted_at" >= "started_at");
ALTER TABLE "safety"."inspection_answers"
  ADD CONSTRAINT "inspection_answers_one_value" CHECK (num_nonnulls("yes_value", "number_value", "text_value") = 1),
  ADD CONSTRAINT "inspection_answers_text_not_blank" CHECK (btrim("text_value") <> '');
-- An inspector has at most one inspection of an equipment in progress: starting again resumes it.
CREATE UNIQUE INDEX "inspections_one_open_per_inspector_idx" ON "safety"."inspections" ("equipment_id", "inspector_id")
  WHERE "submitted_at" IS NULL;

ALTER TABLE "safety"."corrective_actions"
  ADD CONSTRAINT "corrective_actions_description_not_blank" CHECK (btrim("description") <> ''),
  ADD CONSTRAINT "corrective_actions_closed_at_when_closed" CHECK (("status" = 'closed') = ("closed_at" IS NOT NULL)),
  ADD CONSTRAINT "corrective_actions_closed_by_maintenance"
    CHECK (("status" = 'closed') = ("maintenance_record_id" IS NOT NULL)),
  ADD CONSTRAINT "corrective_actions_closed_after_opened" CHECK ("closed_at" >= "opened_at");

ALTER TABLE "safety"."incidents"
  ADD CONSTRAINT "incidents_description_not_blank" CHECK (btrim("description") <> ''),
  ADD CONSTRAINT "incidents_occurred_at_range" CHECK ("occurred_at" >= '1900-01-01'),
  -- A few minutes' grace for a phone's clock.
  ADD CONSTRAINT "incidents_occurred_before_reported" CHECK ("occurred_at" <= "reported_at" + interval '5 minutes'),
  ADD CONSTRAINT "incidents_investigation_stamped" CHECK (("status" = 'reported') = ("investigation_started_at" IS NULL)),
  ADD CONSTRAINT "incidents_closure_stamped" CHECK (("status" = 'closed') = ("closed_at" IS NOT NULL)),
  ADD CONSTRAINT "incidents_closed_with_resolution"
    CHECK ("status" <> 'closed' OR ("resolution" IS NOT NULL AND btrim("resolution") <> ''));

-- References to people and to what inspections answered refuse a delete, but only at commit, after
-- every cascade of the transaction has run: deleting a whole organisation removes both sides.
ALTER TABLE "safety"."checklist_template_versions" ALTER CONSTRAINT "checklist_template_versions_created_by_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "safety"."inspections" ALTER CONSTRAINT "inspections_version_id_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "safety"."inspections" ALTER CONSTRAINT "inspections_inspector_id_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "safety"."inspection_answers" ALTER CONSTRAINT "inspection_answers_item_id_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "safety"."corrective_actions" ALTER CONSTRAINT "corrective_actions_maintenance_record_id_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "safety"."incidents" ALTER CONSTRAINT "incidents_reported_by_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "safety"."incident_people" ALTER CONSTRAINT "incident_people_user_id_fkey" DEFERRABLE INITIALLY DEFERRED;

-- What is kept is kept: a refusal for rows that never change, and are deleted only with what owns
-- them (a cascade from their template, inspection or organisation runs one trigger level deeper).
CREATE FUNCTION "safety"."refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '%', TG_ARGV[1] USING ERRCODE = 'check_violation', CONSTRAINT = TG_ARGV[0];
END $$;

CREATE TRIGGER "checklist_template_versions_immutable" BEFORE UPDATE OR DELETE ON "safety"."checklist_template_versions"
  FOR EACH ROW EXECUTE FUNCTION "safety"."refuse_change"('checklist_template_versions_immutable',
    'a checklist version never changes: editing its template makes a new version');
CREATE TRIGGER "checklist_items_immutable" BEFORE UPDATE OR DELETE ON "safety"."checklist_items"
  FOR EACH ROW EXECUTE FUNCTION "safety"."refuse_change"('checklist_template_versions_immutable',
    'a checklist version never changes: editing its template makes a new version');
CREATE TRIGGER "inspection_answers_immutable" BEFORE UPDATE OR DELETE ON "safety"."inspection_answers"
  FOR EACH ROW EXECUTE FUNCTION "safety"."refuse_change"('inspection_answers_immutable',
    'an inspection''s answers never change once given');

CREATE FUNCTION "safety"."check_checklist_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "auth"."require_same_organisation"(
    (SELECT organisation_id FROM "safety"."checklist_templates" WHERE id = NEW.template_id),
    (SELECT organisation_id FROM "auth"."users" WHERE id = NEW.created_by), 'User');
  RETURN NEW;
END $$;
CREATE TRIGGER "checklist_template_versions_same_organisation" BEFORE INSERT ON "safety"."checklist_template_versions"
  FOR EACH ROW EXECUTE FUNCTION "safety"."check_checklist_version"();

CREATE FUNCTION "safety"."check_checklist_item"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM "safety"."inspections" WHERE version_id = NEW.version_id) THEN
    RAISE EXCEPTION 'a checklist version that inspections answered takes no new items: edit its template'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'checklist_template_versions_immutable';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "checklist_items_of_unused_version" BEFORE INSERT ON "safety"."checklist_items"
  FOR EACH ROW EXECUTE FUNCTION "safety"."check_checklist_item"();

-- An inspection is of its organisation's equipment, by one of its people, with its checklist for
-- the equipment's category; it starts unanswered.
CREATE FUNCTION "safety"."check_inspection_references"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  equipment RECORD;
  template RECORD;
BEGIN
  SELECT organisation_id, category INTO equipment FROM "assets"."equipment" WHERE id = NEW.equipment_id;
  PERFORM "auth"."require_same_organisation"(NEW.organisation_id, equipment.organisation_id, 'Equipment');
  PERFORM "auth"."require_same_organisation"(NEW.organisation_id,
    (SELECT organisation_id FROM "auth"."users" WHERE id = NEW.inspector_id), 'User');
  SELECT t.organisation_id, t.category INTO template
  FROM "safety"."checklist_template_versions" v JOIN "safety"."checklist_templates" t ON t.id = v.template_id
  WHERE v.id = NEW.version_id;
  PERFORM "auth"."require_same_organisation"(NEW.organisation_id, template.organisation_id, 'ChecklistTemplateVersion');
  IF template.category IS DISTINCT FROM equipment.category THEN
    RAISE EXCEPTION 'the checklist is for % equipment, not %', template.category, equipment.category
      USING ERRCODE = 'check_violation', CONSTRAINT = 'inspections_checklist_of_category';
  END IF;
  IF NEW.submitted_at IS NOT NULL THEN
    RAISE EXCEPTION 'an inspection starts unanswered; its answers come before its submission'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'inspections_every_item_answered';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "inspections_same_organisation" BEFORE INSERT ON "safety"."inspections"
  FOR EACH ROW EXECUTE FUNCTION "safety"."check_inspection_references"();

-- Submitted once, with every item of its version answered and the result its answers give (any
-- failed critical item fails it); then it never changes, and it is deleted only with its equipment.
CREATE FUNCTION "safety"."guard_inspection"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF pg_trigger_depth() > 1 THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'inspections are kept: one cannot be deleted'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'inspections_kept';
  END IF;
  IF OLD.submitted_at IS NOT NULL
    OR (NEW.organisation_id, NEW.equipment_id, NEW.version_id, NEW.inspector_id, NEW.started_at)
      IS DISTINCT FROM (OLD.organisation_id, OLD.equipment_id, OLD.version_id, OLD.inspector_id, OLD.started_at) THEN
    RAISE EXCEPTION 'an inspection changes only by its submission, once'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'inspections_submitted_once';
  END IF;
  IF NEW.submitted_at IS NOT NULL THEN
    IF EXISTS (
      SELECT 1 FROM "safety"."checklist_items" i
      WHERE i.version_id = NEW.version_id
        AND NOT EXISTS (SELECT 1 FROM "safety"."inspection_answers" a WHERE a.inspection_id = NEW.id AND a.item_id = i.id)
    ) THEN
      RAISE EXCEPTION 'every item of the checklist must be answered before the inspection is submitted'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'inspections_every_item_answered';
    END IF;
    IF NEW.result IS DISTINCT FROM (
      SELECT CASE WHEN bool_or(a.failed AND i.critical) THEN 'fail' ELSE 'pass' END::"safety"."inspection_result"
      FROM "safety"."inspection_answers" a JOIN "safety"."checklist_items" i ON i.id = a.item_id
      WHERE a.inspection_id = NEW.id
    ) THEN
      RAISE EXCEPTION 'an inspection fails exactly when a critical item failed'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'inspections_result_from_answers';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "inspections_guard" BEFORE UPDATE OR DELETE ON "safety"."inspections"
  FOR EACH ROW EXECUTE FUNCTION "safety"."guard_inspection"();

-- An answer is to an item of its inspection's version, given before the submission, in the item's
-- kind; failed says what the item's rule says: no to a yes/no question, a number outside its range.
CREATE FUNCTION "safety"."check_inspection_answer"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  item RECORD;
BEGIN
  SELECT i.kind::text AS kind, i.min_value, i.max_value, (i.version_id = s.version_id) AS of_version, s.submitted_at
  INTO item
  FROM "safety"."checklist_items" i, "safety"."inspections" s
  WHERE i.id = NEW.item_id AND s.id = NEW.inspection_id;
  IF NOT FOUND OR NOT item.of_version THEN
    RAISE EXCEPTION 'the item is not on the checklist version this inspection answers'
      USING ERRCODE = 'foreign_key_violation', HINT = 'ChecklistItem';
  END IF;
  IF item.submitted_at IS NOT NULL THEN
    RAISE EXCEPTION 'an inspection''s answers never change once given'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'inspection_answers_immutable';
  END IF;
  IF (item.kind = 'yes_no' AND NEW.yes_value IS NULL)
    OR (item.kind = 'number' AND NEW.number_value IS NULL)
    OR (item.kind = 'text' AND NEW.text_value IS NULL) THEN
    RAISE EXCEPTION 'a % item takes a % answer', item.kind, item.kind
      USING ERRCODE = 'check_violation', CONSTRAINT = 'inspection_answers_of_item_kind';
  END IF;
  IF NEW.failed IS DISTINCT FROM (CASE item.kind
      WHEN 'yes_no' THEN NOT NEW.yes_value
      WHEN 'number' THEN coalesce(NEW.number_value < item.min_value, false)
        OR coalesce(NEW.number_value > item.max_value, false)
      ELSE false
    END) THEN
    RAISE EXCEPTION 'failed must be what the item''s rule gives for this answer'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'inspection_answers_failed_by_rule';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "inspection_answers_of_inspection" BEFORE INSERT ON "safety"."inspection_answers"
  FOR EACH ROW EXECUTE FUNCTION "safety"."check_inspection_answer"();

-- A corrective action comes from a failed inspection of its equipment, and is closed once, by a
-- maintenance record of that equipment; it is deleted only with its inspection or equipment.
CREATE FUNCTION "safety"."guard_corrective_action"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  inspection RECORD;
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF pg_trigger_depth() > 1 THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'corrective actions are kept: close one by the maintenance that fixes it'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'corrective_actions_kept';
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT organisation_id, equipment_id, result::text AS result INTO inspection
    FROM "safety"."inspections" WHERE id = NEW.inspection_id;
    PERFORM "auth"."require_same_organisation"(NEW.organisation_id, inspection.organisation_id, 'Inspection');
    PERFORM "auth"."require_same_organisation"(inspection.equipment_id, NEW.equipment_id, 'Equipment');
    IF inspection.result IS DISTINCT FROM 'fail' THEN
      RAISE EXCEPTION 'a corrective action comes from a failed inspection'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'corrective_actions_from_failed_inspection';
    END IF;
  ELSIF OLD.status = 'closed'
    OR (NEW.organisation_id, NEW.inspection_id, NEW.equipment_id, NEW.description, NEW.opened_at)
      IS DISTINCT FROM (OLD.organisation_id, OLD.inspection_id, OLD.equipment_id, OLD.description, OLD.opened_at) THEN
    RAISE EXCEPTION 'a corrective action changes only by being closed, once'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'corrective_actions_closed_once';
  END IF;
  IF NEW.maintenance_record_id IS NOT NULL THEN
    PERFORM "auth"."require_same_organisation"(NEW.equipment_id,
      (SELECT equipment_id FROM "assets"."maintenance_records" WHERE id = NEW.maintenance_record_id), 'MaintenanceRecord');
  END IF;
  RETURN COALESCE(NEW, OLD);
END $$;
CREATE TRIGGER "corrective_actions_guard" BEFORE INSERT OR UPDATE OR DELETE ON "safety"."corrective_actions"
  FOR EACH ROW EXECUTE FUNCTION "safety"."guard_corrective_action"();

-- While a corrective action of an equipment is open, the equipment is out of service: checked at
-- commit, so a change may take the equipment out of service before or after it opens the action.
CREATE FUNCTION "safety"."check_out_of_service"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target UUID;
BEGIN
  IF TG_TABLE_NAME = 'equipment' THEN
    target := NEW.id;
  ELSE
    target := NEW.equipment_id;
  END IF;
  IF EXISTS (
    SELECT 1 FROM "safety"."corrective_actions" a JOIN "assets"."equipment" e ON e.id = a.equipment_id
    WHERE a.equipment_id = target AND a.status = 'open' AND e.status::text <> 'out_of_service'
  ) THEN
    RAISE EXCEPTION 'equipment with an open corrective action stays out of service until the maintenance that closes it'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'equipment_out_of_service_while_action_open';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER "equipment_out_of_service_while_action_open" AFTER UPDATE OF "status" ON "assets"."equipment"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "safety"."check_out_of_service"();
CREATE CONSTRAINT TRIGGER "corrective_actions_equipment_out_of_service" AFTER INSERT OR UPDATE OF "status" ON "safety"."corrective_actions"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "safety"."check_out_of_service"();

-- Incidents: of the organisation's equipment and people, moved reported → investigating → closed,
-- and unchanged once closed.
CREATE FUNCTION "safety"."check_incident_references"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  moved BOOLEAN := TG_OP = 'INSERT' OR NEW.organisation_id IS DISTINCT FROM OLD.organisation_id;
BEGIN
  -- Only what changed: an equipment deleted with its organisation sets equipment_id to NULL after
  -- the reporter is gone.
  IF NEW.equipment_id IS NOT NULL AND (moved OR NEW.equipment_id IS DISTINCT FROM OLD.equipment_id) THEN
    PERFORM "auth"."require_same_organisation"(NEW.organisation_id,
      (SELECT organisation_id FROM "assets"."equipment" WHERE id = NEW.equipment_id), 'Equipment');
  END IF;
  IF moved OR NEW.reported_by IS DISTINCT FROM OLD.reported_by THEN
    PERFORM "auth"."require_same_organisation"(NEW.organisation_id,
      (SELECT organisation_id FROM "auth"."users" WHERE id = NEW.reported_by), 'User');
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "incidents_same_organisation"
  BEFORE INSERT OR UPDATE OF organisation_id, equipment_id, reported_by ON "safety"."incidents"
  FOR EACH ROW EXECUTE FUNCTION "safety"."check_incident_references"();

CREATE FUNCTION "safety"."check_incident_workflow"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'closed' AND pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'a closed incident does not change'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'incidents_status_workflow';
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status
    AND (OLD.status::text, NEW.status::text) NOT IN (('reported', 'investigating'), ('investigating', 'closed')) THEN
    RAISE EXCEPTION 'an incident moves reported → investigating → closed, not % → %', OLD.status, NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'incidents_status_workflow';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "incidents_status_workflow" BEFORE UPDATE ON "safety"."incidents"
  FOR EACH ROW EXECUTE FUNCTION "safety"."check_incident_workflow"();

CREATE FUNCTION "safety"."check_incident_person"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "auth"."require_same_organisation"(
    (SELECT organisation_id FROM "safety"."incidents" WHERE id = NEW.incident_id),
    (SELECT organisation_id FROM "auth"."users" WHERE id = NEW.user_id), 'User');
  RETURN NEW;
END $$;
CREATE TRIGGER "incident_people_same_organisation" BEFORE INSERT OR UPDATE ON "safety"."incident_people"
  FOR EACH ROW EXECUTE FUNCTION "safety"."check_incident_person"();
