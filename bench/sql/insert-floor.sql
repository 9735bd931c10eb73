-- pgbench: the floor of a durable write: a one-row INSERT into a scratch table, one transaction
-- (commit with fsync), no locks taken by hand, no indexes besides the primary key.
insert into bench_floor (v) values ('lorem ipsum');
