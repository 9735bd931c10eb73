do $$
begin
    if exists (select 1 from pg_extension where extname = 'citus') then
        perform create_distributed_table('sessions', 'session_id');
        perform create_distributed_table('streams', 'session_id', colocate_with => 'sessions');
        perform create_distributed_table('journal_events', 'session_id', colocate_with => 'sessions');
        perform create_distributed_table('transcript_messages', 'session_id', colocate_with => 'sessions');
        perform create_distributed_table('lifecycle_log', 'session_id', colocate_with => 'sessions');
        perform create_distributed_table('stream_sessions', 'stream_id', colocate_with => 'none');
    end if;
end $$;
