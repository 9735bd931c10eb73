-- Sharding by session on Citus. journal_distribute() distributes every table that is not distributed
-- yet: the five session tables by session_id, co-located (a session's rows live on one node, so that
-- every path of one session runs on one shard), and stream_sessions by stream_id (a path that names
-- only a stream finds its session on one shard too). It does nothing to a table already distributed,
-- so it may be run again; without Citus it refuses.
--
-- This migration calls it when the citus extension is installed, so a new database on a Citus
-- coordinator (with its workers added) is sharded by the service's first start. A database that was
-- migrated before Citus came is sharded by one command on the coordinator (see the README):
--   create extension citus; select citus_add_node(...); select journal_distribute();
-- On plain PostgreSQL the function is created and never called.
create function journal_distribute() returns void language plpgsql as $$
declare
    session_table text;
begin
    if not exists (select 1 from pg_extension where extname = 'citus') then
        raise exception 'journal_distribute() needs the citus extension in this database';
    end if;
    foreach session_table in array array['sessions', 'streams', 'journal_events', 'transcript_messages', 'lifecycle_log'] loop
        if not exists (select 1 from pg_dist_partition where logicalrelid = session_table::regclass) then
            if session_table = 'sessions' then
                perform create_distributed_table('sessions', 'session_id');
            else
                perform create_distributed_table(session_table, 'session_id', colocate_with => 'sessions');
            end if;
        end if;
    end loop;
    if not exists (select 1 from pg_dist_partition where logicalrelid = 'stream_sessions'::regclass) then
        perform create_distributed_table('stream_sessions', 'stream_id', colocate_with => 'none');
    end if;
end $$;

do $$
begin
    if exists (select 1 from pg_extension where extname = 'citus') then
        perform journal_distribute();
    end if;
end $$;
