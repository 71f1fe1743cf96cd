-- Fractional priority (issue 18): the SDK types priority as any number of seconds (0.5, 2.25), so the head start is
-- kept in milliseconds, converted once when the trigger is parsed. The API bounds it to what a 32-bit millisecond
-- count holds (|priority| <= 2,147,483 s, about 24.8 days), so queue_order_at = due - priority_ms cannot overflow.
--
-- A constant default makes ADD COLUMN a catalog change (no table rewrite); only runs that had a priority are
-- updated, clamped to the new range (their queue_order_at was already computed and is kept as it is); dropping the
-- old column is a catalog change too. Nothing indexes priority: the dequeue indexes are on queue_order_at.
ALTER TABLE task_runs ADD COLUMN priority_ms integer NOT NULL DEFAULT 0;
UPDATE task_runs SET priority_ms = LEAST(GREATEST(priority, -2147483), 2147483) * 1000 WHERE priority <> 0;
ALTER TABLE task_runs DROP COLUMN priority;
