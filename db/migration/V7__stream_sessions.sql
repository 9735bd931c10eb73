-- Which session each stream belongs to, by stream id: the one table keyed by stream id alone, so that
-- a path that names only a stream finds its session (and, sharded by session, its shard) in one lookup,
-- and so that stream ids stay unique across sessions. Rows are never deleted (retention keeps them), so
-- a stream id is never reused and the mapping never changes: replicas may cache it.
create table stream_sessions (
    stream_id  text primary key,
    session_id text not null,
    tenant     text not null
);
insert into stream_sessions (stream_id, session_id, tenant) select stream_id, session_id, tenant from streams;
