-- An order has at most 200 lines (the API's MAX_ORDER_LINES): with positions unique per order and
-- kept within 1..200, an order's total read from its first 200 lines is the total of all of them.
ALTER TABLE "procurement"."purchase_order_lines"
  ADD CONSTRAINT "purchase_order_lines_position_limit" CHECK ("position" <= 200);
