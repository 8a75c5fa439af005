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

-- A timesheet (timeclock.timesheet.ts): every local day of the whole weeks from first_day's to
-- last_day's, in the organisation's time zone, with the time worked in it (entries less breaks,
-- counted on each day they overlap) and whether an approved timesheet covers it. The three
-- functions after it give the fields of the reference operation: its totals, days and weeks, with
-- OpsGraph's default overtime thresholds (8 hours a day, 40 a week).
CREATE OR REPLACE FUNCTION bench.timesheet_day_totals(organisation uuid, person uuid, first_day date, last_day date)
RETURNS TABLE (day date, time_zone text, worked_seconds int, break_seconds int, approved boolean)
LANGUAGE sql STABLE AS $$
  WITH who AS (
    SELECT u.id, o.time_zone AS tz FROM auth.users u JOIN auth.organisations o ON o.id = u.organisation_id
    WHERE u.id = person AND u.organisation_id = organisation
  ), days AS (
    SELECT d::date AS day, d AT TIME ZONE who.tz AS starts, (d + interval '1 day') AT TIME ZONE who.tz AS ends
    FROM who, generate_series(date_trunc('week', first_day)::timestamp,
                              date_trunc('week', last_day)::timestamp + interval '6 days', interval '1 day') d
  ), entries AS (
    SELECT e.id, e.clock_in, COALESCE(e.clock_out, GREATEST(now(), e.clock_in)) AS clock_out
    FROM timeclock.time_entries e JOIN who ON who.id = e.user_id
    WHERE e.clock_in < (SELECT max(ends) FROM days) AND COALESCE(e.clock_out, 'infinity') > (SELECT min(starts) FROM days)
  ), spans AS (
    SELECT clock_in AS starts, clock_out AS ends, 1 AS sign FROM entries
    UNION ALL
    SELECT b.started_at, LEAST(COALESCE(b.ended_at, e.clock_out), e.clock_out), -1
    FROM entries e JOIN timeclock.time_breaks b ON b.entry_id = e.id
  ), totals AS (
    SELECT d.day,
      COALESCE(sum(EXTRACT(epoch FROM LEAST(s.ends, d.ends) - GREATEST(s.starts, d.starts))) FILTER (WHERE s.sign = 1), 0)::int AS gross,
      COALESCE(sum(EXTRACT(epoch FROM LEAST(s.ends, d.ends) - GREATEST(s.starts, d.starts))) FILTER (WHERE s.sign = -1), 0)::int AS breaks
    FROM days d LEFT JOIN spans s ON s.ends > s.starts AND s.starts < d.ends AND s.ends > d.starts
    GROUP BY d.day
  )
  SELECT t.day, (SELECT tz FROM who), t.gross - t.breaks, t.breaks,
    EXISTS (SELECT 1 FROM timeclock.timesheet_approvals a WHERE a.user_id = person AND t.day BETWEEN a.from_date AND a.to_date)
  FROM totals t ORDER BY t.day
$$;

CREATE OR REPLACE FUNCTION bench.timesheet(organisation uuid, person uuid, first_day date, last_day date)
RETURNS TABLE (time_zone text, worked_seconds int, break_seconds int)
LANGUAGE sql STABLE AS $$
  SELECT min(time_zone), sum(worked_seconds)::int, sum(break_seconds)::int
  FROM bench.timesheet_day_totals(organisation, person, first_day, last_day)
  WHERE day BETWEEN first_day AND last_day
  HAVING count(*) > 0
$$;

CREATE OR REPLACE FUNCTION bench.timesheet_days(organisation uuid, person uuid, first_day date, last_day date)
RETURNS TABLE (date date, worked_seconds int, break_seconds int, overtime_seconds int, approved boolean)
LANGUAGE sql STABLE AS $$
  SELECT day, worked_seconds, break_seconds, GREATEST(0, worked_seconds - 8 * 3600), approved
  FROM bench.timesheet_day_totals(organisation, person, first_day, last_day)
  WHERE day BETWEEN first_day AND last_day ORDER BY day
$$;

CREATE OR REPLACE FUNCTION bench.timesheet_weeks(organisation uuid, person uuid, first_day date, last_day date)
RETURNS TABLE (start_date date, end_date date, worked_seconds int, overtime_seconds int)
LANGUAGE sql STABLE AS $$
  SELECT monday, monday + 6, worked::int, GREATEST(0, worked - 40 * 3600)::int
  FROM (SELECT date_trunc('week', day)::date AS monday, sum(worked_seconds) AS worked
        FROM bench.timesheet_day_totals(organisation, person, first_day, last_day) GROUP BY 1) w
  ORDER BY monday
$$;
