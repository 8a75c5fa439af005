-- Live updates: the changes clients subscribe to are announced on the channel opsgraph_events,
-- whatever code makes them. PostgreSQL delivers a notification at commit, never for a transaction
-- that rolls back, to every server listening; identical ones in one transaction arrive once. The
-- payload names the event, the organisation, the record and the user it concerns, never the
-- record's data: each server reads the record as its subscriber may see it.
CREATE FUNCTION "audit"."announce"(kind TEXT, organisation_id UUID, record_id UUID, user_id UUID) RETURNS void
LANGUAGE sql AS $$
  SELECT pg_notify('opsgraph_events',
    json_build_object('kind', kind, 'organisationId', organisation_id, 'id', record_id, 'userId', user_id)::text)
$$;

-- For a row with its own organisation_id: the trigger's arguments are the event, and the column
-- naming the user the row concerns, if any.
CREATE FUNCTION "audit"."announce_row"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed JSONB := to_jsonb(NEW);
BEGIN
  PERFORM "audit"."announce"(TG_ARGV[0], (changed ->> 'organisation_id')::uuid, (changed ->> 'id')::uuid,
    (changed ->> TG_ARGV[1])::uuid);
  RETURN NULL;
END $$;

-- A stock level: any change of qty (a stock movement, a received order) or of min_qty (low stock).
CREATE TRIGGER "inventory_items_announce_stock"
  AFTER UPDATE OF qty, min_qty ON "inventory"."inventory_items"
  FOR EACH ROW WHEN (OLD.qty IS DISTINCT FROM NEW.qty OR OLD.min_qty IS DISTINCT FROM NEW.min_qty)
  EXECUTE FUNCTION "audit"."announce_row"('stock');

-- A purchase order created, or moved to another status.
CREATE TRIGGER "purchase_orders_announce_created"
  AFTER INSERT ON "procurement"."purchase_orders"
  FOR EACH ROW EXECUTE FUNCTION "audit"."announce_row"('purchase_order');
CREATE TRIGGER "purchase_orders_announce_status"
  AFTER UPDATE OF status ON "procurement"."purchase_orders"
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION "audit"."announce_row"('purchase_order');

-- Equipment's status or next maintenance.
CREATE TRIGGER "equipment_announce_status"
  AFTER UPDATE OF status, next_maintenance_at ON "assets"."equipment"
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.next_maintenance_at IS DISTINCT FROM NEW.next_maintenance_at)
  EXECUTE FUNCTION "audit"."announce_row"('equipment');

-- A maintenance record added, in its equipment's organisation.
CREATE FUNCTION "assets"."announce_maintenance_record"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "audit"."announce"('maintenance_record',
    (SELECT organisation_id FROM "assets"."equipment" WHERE id = NEW.equipment_id), NEW.id, NEW.performed_by);
  RETURN NULL;
END $$;
CREATE TRIGGER "maintenance_records_announce_added"
  AFTER INSERT ON "assets"."maintenance_records"
  FOR EACH ROW EXECUTE FUNCTION "assets"."announce_maintenance_record"();

-- A punch: clocking in or out, a break started or ended (or a manager's correction of either),
-- announced as its time entry, which concerns the entry's user.
CREATE TRIGGER "time_entries_announce_punch_in"
  AFTER INSERT ON "timeclock"."time_entries"
  FOR EACH ROW EXECUTE FUNCTION "audit"."announce_row"('time_entry', 'user_id');
CREATE TRIGGER "time_entries_announce_punch"
  AFTER UPDATE OF clock_in, clock_out ON "timeclock"."time_entries"
  FOR EACH ROW WHEN (OLD.clock_in IS DISTINCT FROM NEW.clock_in OR OLD.clock_out IS DISTINCT FROM NEW.clock_out)
  EXECUTE FUNCTION "audit"."announce_row"('time_entry', 'user_id');

CREATE FUNCTION "timeclock"."announce_break"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM "audit"."announce"('time_entry', entry.organisation_id, entry.id, entry.user_id)
    FROM "timeclock"."time_entries" entry WHERE entry.id = NEW.entry_id;
  RETURN NULL;
END $$;
CREATE TRIGGER "time_breaks_announce_punch"
  AFTER INSERT OR UPDATE OF started_at, ended_at ON "timeclock"."time_breaks"
  FOR EACH ROW EXECUTE FUNCTION "timeclock"."announce_break"();

-- An inspection's result: it is submitted once, with its result.
CREATE TRIGGER "inspections_announce_result"
  AFTER UPDATE OF submitted_at ON "safety"."inspections"
  FOR EACH ROW WHEN (OLD.submitted_at IS NULL AND NEW.submitted_at IS NOT NULL)
  EXECUTE FUNCTION "audit"."announce_row"('inspection', 'inspector_id');
