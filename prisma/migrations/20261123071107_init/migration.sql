-- Extensions: case-insensitive email (citext) and name search (pg_trgm).
CREATE EXTENSION IF NOT EXISTS "citext";
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "assets";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "audit";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "auth";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "inventory";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "procurement";

-- CreateEnum
CREATE TYPE "auth"."role_name" AS ENUM ('superadmin', 'admin', 'manager', 'employee', 'worker');

-- CreateEnum
CREATE TYPE "assets"."equipment_category" AS ENUM ('vehicle', 'machinery', 'power_tool', 'hand_tool', 'it_hardware', 'safety', 'medical', 'other');

-- CreateEnum
CREATE TYPE "assets"."equipment_status" AS ENUM ('active', 'in_maintenance', 'retired');

-- CreateEnum
CREATE TYPE "inventory"."stock_movement_reason" AS ENUM ('initial', 'adjustment', 'receipt', 'issue', 'correction');

-- CreateEnum
CREATE TYPE "procurement"."purchase_order_status" AS ENUM ('draft', 'submitted', 'approved', 'received', 'cancelled');

-- CreateTable
CREATE TABLE "auth"."organisations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "workspace_folder_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "organisations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth"."users" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "email" CITEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "phone" TEXT,
    "department" TEXT,
    "notes" TEXT,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "google_id" TEXT,
    "last_login_at" TIMESTAMPTZ(3),
    "credentials_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth"."roles" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" "auth"."role_name" NOT NULL,
    "description" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "roles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth"."user_roles" (
    "user_id" UUID NOT NULL,
    "role_id" UUID NOT NULL,
    "assigned_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "assigned_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_roles_pkey" PRIMARY KEY ("user_id","role_id")
);

-- CreateTable
CREATE TABLE "auth"."sessions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "refresh_token_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "user_agent" TEXT,
    "ip_address" TEXT,
    "last_used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assets"."equipment" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "category" "assets"."equipment_category" NOT NULL,
    "status" "assets"."equipment_status" NOT NULL DEFAULT 'active',
    "serial_number" TEXT NOT NULL,
    "created_by" UUID,
    "next_maintenance_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "equipment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assets"."maintenance_records" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "equipment_id" UUID NOT NULL,
    "performed_by" UUID NOT NULL,
    "maintenance_date" TIMESTAMPTZ(3) NOT NULL,
    "notes" TEXT,
    "next_maintenance" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "maintenance_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."inventory_items" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "sku" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "qty" INTEGER NOT NULL DEFAULT 0,
    "min_qty" INTEGER NOT NULL DEFAULT 0,
    "user_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "inventory_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventory"."stock_movements" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "item_id" UUID NOT NULL,
    "delta" INTEGER NOT NULL,
    "reason" "inventory"."stock_movement_reason" NOT NULL,
    "note" TEXT,
    "performed_by" UUID,
    "batch_id" UUID,
    "purchase_order_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_movements_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "procurement"."suppliers" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "phone" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "suppliers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "procurement"."purchase_orders" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "number" TEXT NOT NULL,
    "status" "procurement"."purchase_order_status" NOT NULL DEFAULT 'draft',
    "supplier_id" UUID NOT NULL,
    "created_by" UUID NOT NULL,
    "batch_id" UUID,
    "ordered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "submitted_at" TIMESTAMPTZ(3),
    "approved_at" TIMESTAMPTZ(3),
    "received_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "purchase_orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "procurement"."purchase_order_lines" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "purchase_order_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "item_id" UUID NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unit_price" DECIMAL(12,2) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "purchase_order_lines_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "procurement"."batches" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "batches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "procurement"."batch_creation_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "batch_id" UUID NOT NULL,
    "purchase_order_id" UUID NOT NULL,
    "purchase_order_line_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "batch_creation_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit"."audit_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organisation_id" UUID,
    "actor_id" UUID,
    "action" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" UUID NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "auth"."users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "users_google_id_key" ON "auth"."users"("google_id");

-- CreateIndex
CREATE INDEX "users_organisation_id_is_active_name_idx" ON "auth"."users"("organisation_id", "is_active", "name");

-- CreateIndex
CREATE UNIQUE INDEX "roles_name_key" ON "auth"."roles"("name");

-- CreateIndex
CREATE INDEX "user_roles_role_id_idx" ON "auth"."user_roles"("role_id");

-- CreateIndex
CREATE INDEX "user_roles_assigned_by_idx" ON "auth"."user_roles"("assigned_by");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_refresh_token_hash_key" ON "auth"."sessions"("refresh_token_hash");

-- CreateIndex
CREATE INDEX "sessions_user_id_expires_at_idx" ON "auth"."sessions"("user_id", "expires_at");

-- CreateIndex
CREATE INDEX "equipment_organisation_id_name_id_idx" ON "assets"."equipment"("organisation_id", "name", "id");

-- CreateIndex
CREATE INDEX "equipment_organisation_id_status_category_idx" ON "assets"."equipment"("organisation_id", "status", "category");

-- CreateIndex
CREATE INDEX "equipment_name_trgm_idx" ON "assets"."equipment" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "equipment_organisation_id_next_maintenance_at_idx" ON "assets"."equipment"("organisation_id", "next_maintenance_at");

-- CreateIndex
CREATE INDEX "equipment_created_by_idx" ON "assets"."equipment"("created_by");

-- CreateIndex
CREATE UNIQUE INDEX "equipment_organisation_id_serial_number_key" ON "assets"."equipment"("organisation_id", "serial_number");

-- CreateIndex
CREATE INDEX "maintenance_records_equipment_id_maintenance_date_id_idx" ON "assets"."maintenance_records"("equipment_id", "maintenance_date" DESC, "id");

-- CreateIndex
CREATE INDEX "maintenance_records_performed_by_maintenance_date_idx" ON "assets"."maintenance_records"("performed_by", "maintenance_date" DESC);

-- CreateIndex
CREATE INDEX "inventory_items_organisation_id_location_name_idx" ON "inventory"."inventory_items"("organisation_id", "location", "name");

-- CreateIndex
CREATE INDEX "inventory_items_organisation_id_name_id_idx" ON "inventory"."inventory_items"("organisation_id", "name", "id");

-- CreateIndex
CREATE INDEX "inventory_items_user_id_idx" ON "inventory"."inventory_items"("user_id");

-- CreateIndex
CREATE INDEX "inventory_items_name_trgm_idx" ON "inventory"."inventory_items" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "inventory_items_organisation_id_sku_key" ON "inventory"."inventory_items"("organisation_id", "sku");

-- CreateIndex
CREATE INDEX "stock_movements_item_id_created_at_id_idx" ON "inventory"."stock_movements"("item_id", "created_at" DESC, "id");

-- CreateIndex
CREATE INDEX "stock_movements_performed_by_idx" ON "inventory"."stock_movements"("performed_by");

-- CreateIndex
CREATE INDEX "stock_movements_batch_id_idx" ON "inventory"."stock_movements"("batch_id");

-- CreateIndex
CREATE INDEX "stock_movements_purchase_order_id_idx" ON "inventory"."stock_movements"("purchase_order_id");

-- CreateIndex
CREATE UNIQUE INDEX "suppliers_organisation_id_name_key" ON "procurement"."suppliers"("organisation_id", "name");

-- CreateIndex
CREATE INDEX "purchase_orders_organisation_id_status_ordered_at_idx" ON "procurement"."purchase_orders"("organisation_id", "status", "ordered_at" DESC);

-- CreateIndex
CREATE INDEX "purchase_orders_organisation_id_ordered_at_id_idx" ON "procurement"."purchase_orders"("organisation_id", "ordered_at" DESC, "id");

-- CreateIndex
CREATE INDEX "purchase_orders_supplier_id_idx" ON "procurement"."purchase_orders"("supplier_id");

-- CreateIndex
CREATE INDEX "purchase_orders_created_by_idx" ON "procurement"."purchase_orders"("created_by");

-- CreateIndex
CREATE INDEX "purchase_orders_batch_id_idx" ON "procurement"."purchase_orders"("batch_id");

-- CreateIndex
CREATE UNIQUE INDEX "purchase_orders_organisation_id_number_key" ON "procurement"."purchase_orders"("organisation_id", "number");

-- CreateIndex
CREATE UNIQUE INDEX "purchase_order_lines_purchase_order_id_position_key" ON "procurement"."purchase_order_lines"("purchase_order_id", "position");

-- CreateIndex
CREATE INDEX "purchase_order_lines_item_id_idx" ON "procurement"."purchase_order_lines"("item_id");

-- CreateIndex
CREATE INDEX "batches_item_id_received_at_idx" ON "procurement"."batches"("item_id", "received_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "batches_organisation_id_code_key" ON "procurement"."batches"("organisation_id", "code");

-- CreateIndex
CREATE UNIQUE INDEX "batch_creation_events_batch_id_key" ON "procurement"."batch_creation_events"("batch_id");

-- CreateIndex
CREATE UNIQUE INDEX "batch_creation_events_purchase_order_line_id_key" ON "procurement"."batch_creation_events"("purchase_order_line_id");

-- CreateIndex
CREATE INDEX "batch_creation_events_purchase_order_id_idx" ON "procurement"."batch_creation_events"("purchase_order_id");

-- CreateIndex
CREATE INDEX "audit_events_organisation_id_created_at_idx" ON "audit"."audit_events"("organisation_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_entity_type_entity_id_created_at_idx" ON "audit"."audit_events"("entity_type", "entity_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_actor_id_idx" ON "audit"."audit_events"("actor_id");

-- CreateIndex
CREATE INDEX "audit_events_after_idx" ON "audit"."audit_events" USING GIN ("after" jsonb_path_ops);

-- AddForeignKey
ALTER TABLE "auth"."users" ADD CONSTRAINT "users_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth"."user_roles" ADD CONSTRAINT "user_roles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "auth"."users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth"."user_roles" ADD CONSTRAINT "user_roles_role_id_fkey" FOREIGN KEY ("role_id") REFERENCES "auth"."roles"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth"."user_roles" ADD CONSTRAINT "user_roles_assigned_by_fkey" FOREIGN KEY ("assigned_by") REFERENCES "auth"."users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "auth"."sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "auth"."users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assets"."equipment" ADD CONSTRAINT "equipment_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assets"."equipment" ADD CONSTRAINT "equipment_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "auth"."users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assets"."maintenance_records" ADD CONSTRAINT "maintenance_records_equipment_id_fkey" FOREIGN KEY ("equipment_id") REFERENCES "assets"."equipment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assets"."maintenance_records" ADD CONSTRAINT "maintenance_records_performed_by_fkey" FOREIGN KEY ("performed_by") REFERENCES "auth"."users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."inventory_items" ADD CONSTRAINT "inventory_items_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."inventory_items" ADD CONSTRAINT "inventory_items_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "auth"."users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."stock_movements" ADD CONSTRAINT "stock_movements_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "inventory"."inventory_items"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."stock_movements" ADD CONSTRAINT "stock_movements_performed_by_fkey" FOREIGN KEY ("performed_by") REFERENCES "auth"."users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."stock_movements" ADD CONSTRAINT "stock_movements_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "procurement"."batches"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventory"."stock_movements" ADD CONSTRAINT "stock_movements_purchase_order_id_fkey" FOREIGN KEY ("purchase_order_id") REFERENCES "procurement"."purchase_orders"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."suppliers" ADD CONSTRAINT "suppliers_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."purchase_orders" ADD CONSTRAINT "purchase_orders_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."purchase_orders" ADD CONSTRAINT "purchase_orders_supplier_id_fkey" FOREIGN KEY ("supplier_id") REFERENCES "procurement"."suppliers"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."purchase_orders" ADD CONSTRAINT "purchase_orders_created_by_fkey" FOREIGN KEY ("created_by") REFERENCES "auth"."users"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."purchase_orders" ADD CONSTRAINT "purchase_orders_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "procurement"."batches"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."purchase_order_lines" ADD CONSTRAINT "purchase_order_lines_purchase_order_id_fkey" FOREIGN KEY ("purchase_order_id") REFERENCES "procurement"."purchase_orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."purchase_order_lines" ADD CONSTRAINT "purchase_order_lines_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "inventory"."inventory_items"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."batches" ADD CONSTRAINT "batches_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."batches" ADD CONSTRAINT "batches_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "inventory"."inventory_items"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."batch_creation_events" ADD CONSTRAINT "batch_creation_events_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "procurement"."batches"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."batch_creation_events" ADD CONSTRAINT "batch_creation_events_purchase_order_id_fkey" FOREIGN KEY ("purchase_order_id") REFERENCES "procurement"."purchase_orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "procurement"."batch_creation_events" ADD CONSTRAINT "batch_creation_events_purchase_order_line_id_fkey" FOREIGN KEY ("purchase_order_line_id") REFERENCES "procurement"."purchase_order_lines"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit"."audit_events" ADD CONSTRAINT "audit_events_organisation_id_fkey" FOREIGN KEY ("organisation_id") REFERENCES "auth"."organisations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit"."audit_events" ADD CONSTRAINT "audit_events_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "auth"."users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Rules of the domain that Prisma's schema language cannot express.
ALTER TABLE "auth"."organisations" ADD CONSTRAINT "organisations_name_not_blank" CHECK (btrim("name") <> '');
ALTER TABLE "auth"."users" ADD CONSTRAINT "users_email_format" CHECK ("email" ~ '^[^@[:space:]]+@[^@[:space:]]+$');
ALTER TABLE "auth"."users" ADD CONSTRAINT "users_name_not_blank" CHECK (btrim("name") <> '');
ALTER TABLE "auth"."sessions" ADD CONSTRAINT "sessions_expiry_after_creation" CHECK ("expires_at" > "created_at");
ALTER TABLE "assets"."equipment" ADD CONSTRAINT "equipment_name_not_blank" CHECK (btrim("name") <> '');
ALTER TABLE "assets"."equipment" ADD CONSTRAINT "equipment_serial_number_not_blank" CHECK (btrim("serial_number") <> '');
ALTER TABLE "assets"."maintenance_records" ADD CONSTRAINT "maintenance_records_next_after_date" CHECK ("next_maintenance" > "maintenance_date");
ALTER TABLE "inventory"."inventory_items" ADD CONSTRAINT "inventory_items_qty_non_negative" CHECK ("qty" >= 0);
ALTER TABLE "inventory"."inventory_items" ADD CONSTRAINT "inventory_items_min_qty_non_negative" CHECK ("min_qty" >= 0);
ALTER TABLE "inventory"."inventory_items" ADD CONSTRAINT "inventory_items_sku_not_blank" CHECK (btrim("sku") <> '');
ALTER TABLE "inventory"."stock_movements" ADD CONSTRAINT "stock_movements_delta_non_zero" CHECK ("delta" <> 0);
ALTER TABLE "procurement"."suppliers" ADD CONSTRAINT "suppliers_name_not_blank" CHECK (btrim("name") <> '');
ALTER TABLE "procurement"."purchase_orders" ADD CONSTRAINT "purchase_orders_number_not_blank" CHECK (btrim("number") <> '');
ALTER TABLE "procurement"."purchase_order_lines" ADD CONSTRAINT "purchase_order_lines_quantity_positive" CHECK ("quantity" > 0);
ALTER TABLE "procurement"."purchase_order_lines" ADD CONSTRAINT "purchase_order_lines_position_positive" CHECK ("position" > 0);
ALTER TABLE "procurement"."purchase_order_lines" ADD CONSTRAINT "purchase_order_lines_unit_price_non_negative" CHECK ("unit_price" >= 0);
ALTER TABLE "procurement"."batches" ADD CONSTRAINT "batches_quantity_positive" CHECK ("quantity" > 0);

-- Stock is a ledger: a stock movement is the only way to change an item's qty, and recording one
-- applies it in the same statement, so the movements always sum to qty (and the qty CHECK above
-- rejects a movement that would take stock below zero, however many run at once).
CREATE FUNCTION "inventory"."apply_stock_movement"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "inventory"."inventory_items" SET "qty" = "qty" + NEW."delta" WHERE "id" = NEW."item_id";
  RETURN NEW;
END
$$;

CREATE TRIGGER "stock_movements_apply" AFTER INSERT ON "inventory"."stock_movements"
  FOR EACH ROW EXECUTE FUNCTION "inventory"."apply_stock_movement"();

CREATE FUNCTION "inventory"."guard_item_qty"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW."qty" <> 0 THEN
    RAISE EXCEPTION 'a new inventory item starts with qty 0; record its stock as a stock movement'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'inventory_items_qty_from_ledger';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW."qty" IS DISTINCT FROM OLD."qty" AND pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'inventory_items.qty changes only through stock movements'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'inventory_items_qty_from_ledger';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "inventory_items_guard_qty" BEFORE INSERT OR UPDATE OF "qty" ON "inventory"."inventory_items"
  FOR EACH ROW EXECUTE FUNCTION "inventory"."guard_item_qty"();

CREATE FUNCTION "inventory"."guard_stock_movement"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW."delta" <> OLD."delta" OR NEW."item_id" <> OLD."item_id") THEN
    RAISE EXCEPTION 'stock movements are immutable; record a correcting movement instead'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_movements_immutable';
  END IF;
  IF TG_OP = 'DELETE' AND pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'stock movements are immutable; record a correcting movement instead'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'stock_movements_immutable';
  END IF;
  RETURN COALESCE(NEW, OLD);
END
$$;

CREATE TRIGGER "stock_movements_guard" BEFORE UPDATE OR DELETE ON "inventory"."stock_movements"
  FOR EACH ROW EXECUTE FUNCTION "inventory"."guard_stock_movement"();

-- List queries read live rows only.
CREATE INDEX "equipment_live_by_name_idx" ON "assets"."equipment" ("organisation_id", "name", "id") WHERE "deleted_at" IS NULL;
CREATE INDEX "equipment_live_overdue_idx" ON "assets"."equipment" ("organisation_id", "next_maintenance_at") WHERE "deleted_at" IS NULL AND "status" <> 'retired';
CREATE INDEX "inventory_items_live_low_stock_idx" ON "inventory"."inventory_items" ("organisation_id", "name", "id") WHERE "deleted_at" IS NULL AND "qty" <= "min_qty";
CREATE INDEX "sessions_active_idx" ON "auth"."sessions" ("user_id", "expires_at") WHERE "revoked_at" IS NULL;

-- The roles are fixed by the product; the permission matrix refers to them by name.
INSERT INTO "auth"."roles" ("name", "description") VALUES
  ('superadmin', 'Operates the platform across organisations'),
  ('admin', 'Administers one organisation: users, roles and every record'),
  ('manager', 'Runs equipment, inventory and purchasing, and approves purchase orders'),
  ('employee', 'Records maintenance and stock movements and drafts purchase orders'),
  ('worker', 'Reads equipment and inventory and records the work they perform');

-- References to people and to what purchase orders use refuse a delete, but only at commit, after
-- every cascade of the transaction has run: deleting a whole organisation removes both sides.
ALTER TABLE "assets"."equipment" ALTER CONSTRAINT "equipment_created_by_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "assets"."maintenance_records" ALTER CONSTRAINT "maintenance_records_performed_by_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "inventory"."stock_movements" ALTER CONSTRAINT "stock_movements_performed_by_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "procurement"."purchase_orders" ALTER CONSTRAINT "purchase_orders_supplier_id_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "procurement"."purchase_orders" ALTER CONSTRAINT "purchase_orders_created_by_fkey" DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "procurement"."purchase_order_lines" ALTER CONSTRAINT "purchase_order_lines_item_id_fkey" DEFERRABLE INITIALLY DEFERRED;
