-- Runs list filter[schedule] (issue 18): the schedule that fired a run. Set by the scheduler in the transaction
-- that creates the run. No foreign key: a deleted schedule's runs stay listable by its id.
ALTER TABLE task_runs ADD COLUMN schedule_id text;
