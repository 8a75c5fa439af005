-- Every reference between two organisations' records stays inside one organisation, whatever
-- the code that writes it: a purchase order's supplier, batch and lines, a batch's item, a stock
-- movement's batch and order, the people a record names as responsible or as having done the work.
-- A violation is a foreign key violation (23503): the referenced row does not exist for this row.

CREATE FUNCTION "auth"."require_same_organisation"(expected UUID, actual UUID, what TEXT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF actual IS DISTINCT FROM expected THEN
    RAISE EXCEPTION 'the % belongs to another organisation', what
      USING ERRCODE = 'foreign_key_violation', HINT = what;
  END IF;
END $$;

CREATE FUNCTION "procurement"."check_purchase_order_references"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "auth"."require_same_organisation"(NEW.organisation_id,
    (SELECT organisation_id FROM "procurement"."suppliers" WHERE id = NEW.supplier_id), 'Supplier');
  IF NEW.batch_id IS NOT NULL THEN
    PERFORM "auth"."require_same_organisation"(NEW.organisation_id,
      (SELECT organisation_id FROM "procurement"."batches" WHERE id = NEW.batch_id), 'Batch');
  END IF;
  PERFORM "auth"."require_same_organisation"(NEW.organisation_id,
    (SELECT organisation_id FROM "auth"."users" WHERE id = NEW.created_by), 'User');
  RETURN NEW;
END $$;
CREATE TRIGGER "purchase_orders_same_organisation"
  BEFORE INSERT OR UPDATE OF organisation_id, supplier_id, batch_id, created_by ON "procurement"."purchase_orders"
  FOR EACH ROW EXECUTE FUNCTION "procurement"."check_purchase_order_references"();

CREATE FUNCTION "procurement"."check_purchase_order_line_references"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "auth"."require_same_organisation"(
    (SELECT organisation_id FROM "procurement"."purchase_orders" WHERE id = NEW.purchase_order_id),
    (SELECT organisation_id FROM "inventory"."inventory_items" WHERE id = NEW.item_id), 'InventoryItem');
  RETURN NEW;
END $$;
CREATE TRIGGER "purchase_order_lines_same_organisation"
  BEFORE INSERT OR UPDATE OF purchase_order_id, item_id ON "procurement"."purchase_order_lines"
  FOR EACH ROW EXECUTE FUNCTION "procurement"."check_purchase_order_line_references"();

CREATE FUNCTION "procurement"."check_batch_references"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "auth"."require_same_organisation"(NEW.organisation_id,
    (SELECT organisation_id FROM "inventory"."inventory_items" WHERE id = NEW.item_id), 'InventoryItem');
  RETURN NEW;
END $$;
CREATE TRIGGER "batches_same_organisation"
  BEFORE INSERT OR UPDATE OF organisation_id, item_id ON "procurement"."batches"
  FOR EACH ROW EXECUTE FUNCTION "procurement"."check_batch_references"();

CREATE FUNCTION "procurement"."check_batch_creation_event_references"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  order_organisation UUID := (SELECT organisation_id FROM "procurement"."purchase_orders" WHERE id = NEW.purchase_order_id);
BEGIN
  PERFORM "auth"."require_same_organisation"(order_organisation,
    (SELECT organisation_id FROM "procurement"."batches" WHERE id = NEW.batch_id), 'Batch');
  PERFORM "auth"."require_same_organisation"(NEW.purchase_order_id,
    (SELECT purchase_order_id FROM "procurement"."purchase_order_lines" WHERE id = NEW.purchase_order_line_id),
    'PurchaseOrderLine');
  RETURN NEW;
END $$;
CREATE TRIGGER "batch_creation_events_same_organisation"
  BEFORE INSERT OR UPDATE ON "procurement"."batch_creation_events"
  FOR EACH ROW EXECUTE FUNCTION "procurement"."check_batch_creation_event_references"();

CREATE FUNCTION "inventory"."check_stock_movement_references"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  item_organisation UUID := (SELECT organisation_id FROM "inventory"."inventory_items" WHERE id = NEW.item_id);
BEGIN
  IF NEW.batch_id IS NOT NULL THEN
    PERFORM "auth"."require_same_organisation"(item_organisation,
      (SELECT organisation_id FROM "procurement"."batches" WHERE id = NEW.batch_id), 'Batch');
  END IF;
  IF NEW.purchase_order_id IS NOT NULL THEN
    PERFORM "auth"."require_same_organisation"(item_organisation,
      (SELECT organisation_id FROM "procurement"."purchase_orders" WHERE id = NEW.purchase_order_id), 'PurchaseOrder');
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "stock_movements_same_organisation"
  BEFORE INSERT ON "inventory"."stock_movements"
  FOR EACH ROW WHEN (NEW.batch_id IS NOT NULL OR NEW.purchase_order_id IS NOT NULL)
  EXECUTE FUNCTION "inventory"."check_stock_movement_references"();

CREATE FUNCTION "inventory"."check_inventory_item_references"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "auth"."require_same_organisation"(NEW.organisation_id,
    (SELECT organisation_id FROM "auth"."users" WHERE id = NEW.user_id), 'User');
  RETURN NEW;
END $$;
CREATE TRIGGER "inventory_items_same_organisation"
  BEFORE INSERT OR UPDATE OF organisation_id, user_id ON "inventory"."inventory_items"
  FOR EACH ROW WHEN (NEW.user_id IS NOT NULL)
  EXECUTE FUNCTION "inventory"."check_inventory_item_references"();

CREATE FUNCTION "assets"."check_maintenance_record_references"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "auth"."require_same_organisation"(
    (SELECT organisation_id FROM "assets"."equipment" WHERE id = NEW.equipment_id),
    (SELECT organisation_id FROM "auth"."users" WHERE id = NEW.performed_by), 'User');
  RETURN NEW;
END $$;
CREATE TRIGGER "maintenance_records_same_organisation"
  BEFORE INSERT OR UPDATE OF equipment_id, performed_by ON "assets"."maintenance_records"
  FOR EACH ROW EXECUTE FUNCTION "assets"."check_maintenance_record_references"();

CREATE FUNCTION "assets"."check_equipment_references"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "auth"."require_same_organisation"(NEW.organisation_id,
    (SELECT organisation_id FROM "auth"."users" WHERE id = NEW.created_by), 'User');
  RETURN NEW;
END $$;
CREATE TRIGGER "equipment_same_organisation"
  BEFORE INSERT OR UPDATE OF organisation_id, created_by ON "assets"."equipment"
  FOR EACH ROW WHEN (NEW.created_by IS NOT NULL)
  EXECUTE FUNCTION "assets"."check_equipment_references"();

-- Dates a person enters stay within years any client reads back: an instant outside them (year
-- 10000, say) made every read of its list fail. Rows stored before are left as they are.
ALTER TABLE "assets"."equipment" ADD CONSTRAINT "equipment_next_maintenance_at_range"
  CHECK ("next_maintenance_at" >= '1900-01-01' AND "next_maintenance_at" < '2200-01-01') NOT VALID;
ALTER TABLE "assets"."maintenance_records" ADD CONSTRAINT "maintenance_records_dates_range"
  CHECK ("maintenance_date" >= '1900-01-01' AND "maintenance_date" < '2200-01-01'
    AND ("next_maintenance" IS NULL OR ("next_maintenance" >= '1900-01-01' AND "next_maintenance" < '2200-01-01'))) NOT VALID;
