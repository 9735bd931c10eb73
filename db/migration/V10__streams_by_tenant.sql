-- The listing of a tenant's streams, newest first (GET /v1/streams): a walk of this index backwards
-- from the page's cursor. Built under a lock that blocks writes to streams while it builds; on a large
-- journal, build it beforehand with CREATE INDEX CONCURRENTLY and the same name (see the README); this
-- statement then finds it and does nothing.
create index if not exists streams_by_tenant on streams (tenant, created_at, stream_id);
