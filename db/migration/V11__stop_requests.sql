-- A reader may ask a live stream's producer to stop (POST /v1/streams/{id}/stop). The request is kept on
-- the stream row, so that every append and heartbeat answer can carry it, and the reaper ends, after
-- journal.stop-grace, the streams whose producer did not: it looks at the live streams with a request,
-- by request time (few at any moment, so the index stays small).
alter table streams add column if not exists stop_requested_at timestamptz;
create index if not exists streams_stopping on streams (stop_requested_at)
    where stop_requested_at is not null and terminal_state is null;

-- The lifecycle log records each stop request; the kinds it accepts gain stop_requested (checked on the
-- rows written from now on: the rows already there hold only the older kinds).
alter table lifecycle_log drop constraint lifecycle_log_kind_check;
alter table lifecycle_log add constraint lifecycle_log_kind_check check (kind in
    ('created', 'superseded', 'terminal', 'closed', 'lease_expired', 'settlement', 'pruned', 'stop_requested'))
    not valid;
