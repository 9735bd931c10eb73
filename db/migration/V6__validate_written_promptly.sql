-- The rows written before V5 keep to its bound too: checked here, in a transaction of its own, which
-- reads the tables without blocking their writers (VALIDATE takes a SHARE UPDATE EXCLUSIVE lock).
alter table journal_events validate constraint journal_events_written_promptly;
alter table lifecycle_log validate constraint lifecycle_log_written_promptly;
