# Shared parts of the benchmark commands (bench/run, bench/soak): tools, the packaged service, a fresh
# PostgreSQL 15 and the service on it, and the cleanup of every process and temp dir they started.
# Sourced, with $repo and $bench set; $citus (0 or 1) selects Citus' preload on start_node.
pgbin=/usr/lib/postgresql/15/bin

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# bench_tools [wrk]: PostgreSQL 15, pgbench, node and bench/node's packages; wrk (installed by apt) if asked
bench_tools() {
  [ -x "$pgbin/postgres" ] || die "PostgreSQL 15 not found in $pgbin"
  pgbench=$pgbin/pgbench; [ -x "$pgbench" ] || pgbench=$(command -v pgbench) || die "pgbench not found"
  if [ "${1:-}" = wrk ] && ! command -v wrk > /dev/null; then
    log "installing wrk"
    apt-get install -y -q wrk > /dev/null 2>&1 || { apt-get update -q > /dev/null 2>&1 && apt-get install -y -q wrk > /dev/null 2>&1; } \
      || die "wrk is missing and could not be installed (apt-get install -y wrk)"
  fi
  command -v node > /dev/null || die "node (20+) is required"
  if [ ! -d "$bench/node/node_modules/@durable-streams/server" ] || [ "$bench/node/package-lock.json" -nt "$bench/node/node_modules" ]; then
    log "npm ci in bench/node"
    (cd "$bench/node" && npm ci --no-audit --no-fund --loglevel=error > /dev/null) || die "npm ci failed in bench/node"
  fi
}

# bench_jar: sets $jar, the packaged service (BENCH_JAR, or target/'s, built when missing or older than the sources)
bench_jar() {
  jar=${BENCH_JAR:-target/quarkus-app/quarkus-run.jar}
  if [ -z "${BENCH_JAR:-}" ] && { [ ! -f "$jar" ] || [ -n "$(find src db pom.xml -newer "$jar" -print -quit)" ]; }; then
    log "building the service"
    ./mvnw -B -q package -DskipTests || die "build failed"
  fi
  [ -f "$jar" ] || die "no jar at $jar"
  jar=$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")
}

# bench_workdir: sets $work, a temp dir removed on exit with every process in $pids and server in $pg_nodes
bench_workdir() {
  work=$(mktemp -d /tmp/sj-bench-XXXXXX)
  chmod 755 "$work"
  pids=()
  pg_nodes=()
  current=
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
cleanup() {
  local pid
  [ -n "$current" ] && kill "$current" 2> /dev/null && wait "$current" 2> /dev/null
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2> /dev/null; wait "$pid" 2> /dev/null
  done
  local node
  for node in "${pg_nodes[@]}"; do as_postgres "$pgbin/pg_ctl" -D "$node" -m immediate -w stop > /dev/null 2>&1; done
  rm -rf "$work"
}
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_http() { # URL PID SECONDS: until URL answers 2xx; fails when PID dies
  for _ in $(seq 1 $(($3 * 4))); do
    curl -sf -o /dev/null "$1" && return 0
    kill -0 "$2" 2> /dev/null || return 1
    sleep 0.25
  done
  return 1
}

# start_node NAME: a PostgreSQL 15 of its own (fsync on) with role and database journal; sets $node_port
start_node() {
  local data=$work/pg/$1 port; port=$(free_port)
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$work/pg"
  chmod 700 "$data"
  as_postgres "$pgbin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale > "$work/initdb.log" 2>&1 \
    || { cat "$work/initdb.log"; die "initdb failed"; }
  local preload=; [ "${citus:-0}" = 1 ] && preload="-c shared_preload_libraries=citus"
  as_postgres "$pgbin/pg_ctl" -D "$data" -l "$work/pg/$1.log" -w -t 60 -o \
    "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$work/pg -c max_connections=300 -c fsync=on -c synchronous_commit=on $preload" \
    start > /dev/null || { cat "$work/pg/$1.log"; die "PostgreSQL $1 did not start"; }
  pg_nodes+=("$data")
  "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "create role journal login password 'journal'" -c "create database journal owner journal" \
    || die "could not create the bench database on $1"
  node_port=$port
}

# start_service [NAME=VALUE...]: the service on the database of $pgport (java -Xmx$service_heap, default 256m, and $service_jvm_opts),
# with NAME=VALUE added to its environment; waits until it is ready. Sets $port, $base, $service, $token.
# Authentication stays off, but a key is configured: a request that presents a token has it verified
# (signature, issuer, expiry). The token names tenant "default", the tenant of anonymous requests.
start_service() {
  port=$(free_port)
  base=http://127.0.0.1:$port
  scripts/token keys "$work/keys" 2> /dev/null || die "scripts/token keys failed"
  token=$(scripts/token sign --key "$work/keys/private-key.pem" --iss bench --sub bench --tenant default --groups admin --ttl 7200) \
    || die "scripts/token sign failed"
  log "service on $base ($jar)"
  env QUARKUS_DATASOURCE_REACTIVE_URL=postgresql://127.0.0.1:$pgport/journal \
    QUARKUS_DATASOURCE_JDBC_URL=jdbc:postgresql://127.0.0.1:$pgport/journal \
    QUARKUS_DATASOURCE_USERNAME=journal QUARKUS_DATASOURCE_PASSWORD=journal \
    QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT=$port QUARKUS_LOG_LEVEL=WARN \
    JOURNAL_AUTH_ENABLED=false \
    MP_JWT_VERIFY_PUBLICKEY_LOCATION=$work/keys/public-key.pem MP_JWT_VERIFY_ISSUER=bench "$@" \
    java -Xmx${service_heap:-256m} ${service_jvm_opts:-} -jar "$jar" > "$work/service.log" 2>&1 &
  service=$!
  pids+=("$service")
  wait_http "$base/q/health/ready" "$service" 180 || { tail -50 "$work/service.log"; die "the service did not get ready"; }
}
