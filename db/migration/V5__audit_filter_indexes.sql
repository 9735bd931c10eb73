-- Audit filters as bounded index scans.
--
-- A row is written within 5 minutes of the start of its transaction (at = the transaction's start,
-- inserted_at = the clock after its position was drawn). With that bound a time filter becomes a
-- position range, so a page walks the (tenant, position) index only across the filter's time, plus
-- at most 5 minutes on each side (the rows that mark the range are found by bisecting that same
-- index, so no index on time is needed):
--   every row with at >= from comes after any row with at < from - 5 minutes;
--   every row with at < to comes before any row with at >= to + 5 minutes.
-- A transaction that writes later than that is refused (our writes take milliseconds; the service
-- answers 503 and the client retries). The constraints are added NOT VALID here, without reading the
-- tables, and V6 checks the rows already there without blocking writes.
--
-- The index is built under a lock that blocks writes while it lasts. On a large journal, build it
-- beforehand with CREATE INDEX CONCURRENTLY and the same name (see the README); this statement then
-- finds it and does nothing.
alter table journal_events
    add constraint journal_events_written_promptly check (inserted_at < at + interval '5 minutes') not valid;
alter table lifecycle_log
    add constraint lifecycle_log_written_promptly check (inserted_at < at + interval '5 minutes') not valid;

-- the type filter; tokens are most of the journal and are found by walking the tenant's order
create index if not exists journal_events_by_tenant_type on journal_events (tenant, type, position)
    where type <> 'token';
