-- What a PostGraphile user adds to serve the reference operations: functions for the filters
-- (comparisons, not equality) its generated conditions cannot express. Loaded into the benchmark
-- database only, in a schema of its own.
CREATE SCHEMA IF NOT EXISTS bench;

CREATE OR REPLACE FUNCTION bench.dashboard_summary(organisation uuid)
RETURNS TABLE (equipment_count int, overdue_equipment_count int, low_stock_item_count int, open_purchase_order_count int)
LANGUAGE sql STABLE AS $$
  SELECT
    (SELECT count(*)::int FROM assets.equipment WHERE organisation_id = organisation AND deleted_at IS NULL),
    (SELECT count(*)::int FROM assets.equipment WHERE organisation_id = organisation AND deleted_at IS NULL AND status <> 'retired' AND next_maintenance_at < now()),
    (SELECT count(*)::int FROM inventory.inventory_items WHERE organisation_id = organisation AND deleted_at IS NULL AND qty <= min_qty),
    (SELECT count(*)::int FROM procurement.purchase_orders WHERE organisation_id = organisation AND status IN ('draft', 'submitted', 'approved'))
$$;

CREATE OR REPLACE FUNCTION bench.overdue_equipment(organisation uuid)
RETURNS SETOF assets.equipment LANGUAGE sql STABLE AS $$
  SELECT * FROM assets.equipment
  WHERE organisation_id = organisation AND deleted_at IS NULL AND status <> 'retired' AND next_maintenance_at < now()
  ORDER BY next_maintenance_at, id
$$;

CREATE OR REPLACE FUNCTION bench.low_stock_items(organisation uuid)
RETURNS SETOF inventory.inventory_items LANGUAGE sql STABLE AS $$
  SELECT * FROM inventory.inventory_items
  WHERE organisation_id = organisation AND deleted_at IS NULL AND qty <= min_qty
  ORDER BY sku, id
$$;
