-- pgbench: the floor of a read: a primary-key SELECT of one row of streams (the read fixture stream,
-- passed as -D stream_id=...).
select * from streams where stream_id = :stream_id;
