-- Audit filters as bounded index scans.
--
-- A row is written within 5 minutes of the start of its transaction (at = the transaction's start,
-- inserted_at = the clock after its position was drawn). With that bound a time filter becomes a
-- position range, so a page walks the (tenant, position) index only across the filter's time, plus
-- at most 5 minutes on each side:
--   every row with at >= from comes after any row with at < from - 5 minutes;
--   every row with at < to comes before any row with at >= to + 5 minutes.
-- A transaction that writes later than that is refused (our writes take milliseconds).
alter table journal_events
    add constraint journal_events_written_promptly check (inserted_at < at + interval '5 minutes');
alter table lifecycle_log
    add constraint lifecycle_log_written_promptly check (inserted_at < at + interval '5 minutes');

-- where a time filter's range starts and ends
create index journal_events_by_tenant_time on journal_events (tenant, at);
create index lifecycle_by_tenant_time on lifecycle_log (tenant, at);

-- the type filter; tokens are most of the journal and are found by walking the tenant's order
create index journal_events_by_tenant_type on journal_events (tenant, type, position) where type <> 'token';
