-- Every append updates its stream row (last seq, last event, lease). Those updates are HOT (no index
-- entry, dead versions pruned within the page) when no indexed column changes and the page has room:
-- the lease is kept to the whole second (the only indexed column an append touches changes at most
-- once a second), and each page keeps free space for the new versions.
alter table streams set (fillfactor = 50);
