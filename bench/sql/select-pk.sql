-- pgbench: the floor of a read: a primary-key SELECT of one row of streams (the read fixture stream and
-- its session, passed as -D session_id=... -D stream_id=...).
select * from streams where session_id = :session_id and stream_id = :stream_id;
