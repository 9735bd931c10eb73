pgbin=/usr/lib/postgresql/15/bin
W=/tmp/citus/w
for p in 56001 56002 56003; do runuser -u postgres -- $pgbin/pg_ctl -D $W/$p -m immediate stop >/dev/null 2>&1; done
rm -rf $W; mkdir -p $W; chown postgres:postgres $W
for p in 56001 56002 56003; do
  runuser -u postgres -- $pgbin/initdb -D $W/$p -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
  echo "shared_preload_libraries='citus'" >> $W/$p/postgresql.conf
  runuser -u postgres -- $pgbin/pg_ctl -D $W/$p -l $W/$p.log -w -o "-c listen_addresses=127.0.0.1 -p $p -c unix_socket_directories=$W -c fsync=off" start >/dev/null
  $pgbin/psql -X -q -h 127.0.0.1 -p $p -U postgres -c "create extension citus"
done
$pgbin/psql -X -q -h 127.0.0.1 -p 56001 -U postgres -c "select citus_set_coordinator_host('127.0.0.1', 56001)" -c "select citus_add_node('127.0.0.1', 56002)" -c "select citus_add_node('127.0.0.1', 56003)" >/dev/null
echo cluster up
