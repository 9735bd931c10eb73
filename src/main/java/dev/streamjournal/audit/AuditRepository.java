package dev.streamjournal.audit;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import dev.streamjournal.common.Topology;
import dev.streamjournal.journal.StreamDirectory;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The audit's SQL: keyset reads in global order. Each read first takes {@code safeBefore} (see
 * {@link SafePrefix}) in a statement of its own, then reads the rows in a later statement, so that a
 * transaction that ended in between is either seen running or has its rows visible.
 */
@ApplicationScoped
public class AuditRepository {

    /** Rows read after {@code safe} was taken. */
    public record Read<T>(List<T> rows, SafeBefore safe) {

        /** The leading rows a reader may hand out (see {@link SafePrefix}). */
        public List<T> safeRows(Function<T, OffsetDateTime> insertedAt) {
            return rows.subList(0, SafePrefix.length(rows, insertedAt, safe.time()));
        }

        /** True when no row was safe because a writer's start was unknown (a later read may take them). */
        public boolean held() {
            return safe.held();
        }
    }

    /**
     * The earliest start of the other transactions of this database that hold an xid, capped at now;
     * and whether one of them hides its start. PostgreSQL shows every session's {@code backend_xid},
     * but {@code xact_start} only for the caller's own role (or with {@code pg_read_all_stats}), so a
     * transaction of another writer role has an unknown start: the tail is held while one runs.
     * Autovacuum and other background processes (no role) never write the journal and are left out.
     */
    static final String SAFE_BEFORE = """
            with writing as (
                select xact_start, usesysid
                  from pg_stat_activity
                 where backend_xid is not null and pid <> pg_backend_pid()
                   and datid = (select oid from pg_database where datname = current_database())
            )
            select least(clock_timestamp(), (select min(xact_start) from writing)) as safe_before,
                   exists (select 1 from writing where xact_start is null and usesysid is not null) as start_unknown
            """;

    /**
     * {@link #SAFE_BEFORE} for a sharded journal: on a Citus coordinator a transaction that writes to a
     * worker usually holds no xid on the coordinator, where its position and times are drawn (it gets one
     * only when the sequence writes WAL, one draw in 32), so every open
     * transaction of a client in this database counts (whether it wrote yet or not), and every session of
     * another role whose state is hidden (type, state and start are all hidden then) holds the tail: on
     * Citus the service's role needs {@code pg_read_all_stats}. Writers go through the coordinator.
     */
    static final String SAFE_BEFORE_SHARDED = """
            with open as (
                select xact_start, usesysid
                  from pg_stat_activity
                 where (backend_type = 'client backend' or backend_type is null) and pid <> pg_backend_pid()
                   and datid = (select oid from pg_database where datname = current_database())
                   and (state is null or state <> 'idle')
            )
            select least(clock_timestamp(), (select min(xact_start) from open)) as safe_before,
                   exists (select 1 from open where xact_start is null and usesysid is not null) as start_unknown
            """;

    /** Whether this role sees the start of every other role's transactions. */
    static final String SEES_ALL_ACTIVITY = """
            select pg_has_role(current_user, 'pg_read_all_stats', 'usage') as sees_all
            """;

    static final String EVENTS = """
            select position, session_id, stream_id, seq, type, data::text as data, principal, at, inserted_at
              from journal_events
             where tenant = $1 and position > $2
            """;

    static final String LIFECYCLE = """
            select id, session_id, stream_id, kind, state, detail::text as detail, principal, at, inserted_at
              from lifecycle_log
             where tenant = $1 and id > $2
            """;

    /**
     * How long after the start of its transaction a row may be written at most (the
     * {@code *_written_promptly} constraints of {@code V5}): the slack between a time filter and the
     * position range it is turned into.
     */
    static final String WRITE_BOUND = "interval '5 minutes'";


    /**
     * Rows at or after {@code from} come after the key of any row stamped before {@code from} minus the
     * bound; this finds one near that time by bisecting the tenant's keys along its {@code (tenant, key)}
     * index (about 40 index probes for any size), so no index on time is needed: {@code lo} is always a
     * row stamped before, and each step halves the keys left between it and {@code stop}. Times are only
     * roughly in key order, so the row found may lie a little before the last such row, never after it.
     * Table, key, the parameter of {@code from} and the bound are filled in.
     */
    static final String AFTER_FROM = """
            %2$s > coalesce((
                with recursive search(lo, stop) as (
                    select first.key, (select max(%2$s) + 1 from %1$s where tenant = $1)
                      from (select %2$s as key, at from %1$s where tenant = $1 order by %2$s limit 1) first
                     where first.at < $%3$d - %4$s
                  union all
                    select case when probe.at < $%3$d - %4$s then probe.key else s.lo end,
                           case when probe.at < $%3$d - %4$s then s.stop else s.lo + (s.stop - s.lo) / 2 end
                      from search s
                      left join lateral (select %2$s as key, at from %1$s
                                          where tenant = $1 and %2$s >= s.lo + (s.stop - s.lo) / 2 and %2$s < s.stop
                                          order by %2$s limit 1) probe on true
                     where s.stop - s.lo > 1)
                select max(lo) from search), 0)""";

    /**
     * Rows before {@code to} come before the key of any row stamped at or after {@code to} plus the bound;
     * the same bisection from the other end finds one ({@code hi} is always such a row).
     */
    static final String BEFORE_TO = """
            %2$s < coalesce((
                with recursive search(floor, hi) as (
                    select (select min(%2$s) - 1 from %1$s where tenant = $1), last.key
                      from (select %2$s as key, at from %1$s where tenant = $1 order by %2$s desc limit 1) last
                     where last.at >= $%3$d + %4$s
                  union all
                    select case when probe.at >= $%3$d + %4$s then s.floor else s.floor + (s.hi - s.floor) / 2 end,
                           case when probe.at >= $%3$d + %4$s then probe.key else s.hi end
                      from search s
                      left join lateral (select %2$s as key, at from %1$s
                                          where tenant = $1 and %2$s > s.floor and %2$s <= s.floor + (s.hi - s.floor) / 2
                                          order by %2$s desc limit 1) probe on true
                     where s.hi - s.floor > 1)
                select min(hi) from search), 9223372036854775807)""";

    private final Pool pool;
    private final StreamDirectory directory;
    private final Topology topology;

    public AuditRepository(Pool pool, StreamDirectory directory, Topology topology) {
        this.pool = pool;
        this.directory = directory;
        this.topology = topology;
    }

    public Uni<Read<AuditEvent>> events(String tenant, AuditFilter filter, long after, int limit) {
        return read(filter, sessionOfStream -> new Query(EVENTS, "journal_events", "position", tenant, after)
                .filter(filter, true, sessionOfStream, !topology.sharded()).orderAndLimit(limit), rows -> {
                    List<AuditEvent> events = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        events.add(new AuditEvent(row.getLong("position"), row.getString("session_id"),
                                row.getString("stream_id"), row.getInteger("seq"), row.getString("type"),
                                row.getString("data"), row.getString("principal"), row.getOffsetDateTime("at"),
                                row.getOffsetDateTime("inserted_at")));
                    }
                    return events;
                });
    }

    public Uni<Read<LifecycleEntry>> lifecycle(String tenant, AuditFilter filter, long after, int limit) {
        return read(filter, sessionOfStream -> new Query(LIFECYCLE, "lifecycle_log", "id", tenant, after)
                .filter(filter, false, sessionOfStream, !topology.sharded()).orderAndLimit(limit), rows -> {
                    List<LifecycleEntry> entries = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        entries.add(new LifecycleEntry(row.getLong("id"), row.getString("session_id"),
                                row.getString("stream_id"), row.getString("kind"), row.getString("state"),
                                row.getString("detail"), row.getString("principal"), row.getOffsetDateTime("at"),
                                row.getOffsetDateTime("inserted_at")));
                    }
                    return entries;
                });
    }

    /**
     * Takes {@code safeBefore}, then reads the rows. A stream filter is read on the stream's session (found
     * in the {@link StreamDirectory} first, so that it is one shard's read); no such stream, no rows.
     */
    private <T> Uni<Read<T>> read(AuditFilter filter, Function<String, Query> query, Function<RowSet<Row>, List<T>> rows) {
        Uni<String> sessionOfStream = filter.streamId() == null ? Uni.createFrom().nullItem()
                : directory.sessionOf(filter.streamId()).onItem().ifNull().continueWith("");
        return sessionOfStream.chain(session -> safeBefore().chain(safe -> {
            if ("".equals(session)) {
                return Uni.createFrom().item(new Read<>(List.<T>of(), safe));
            }
            Query read = query.apply(session);
            return pool.preparedQuery(read.sql()).execute(read.args()).map(result -> new Read<>(rows.apply(result), safe));
        }));
    }

    /** Rows inserted before {@code time} are safe to hand out; {@code held}: none is, a writer's start being unknown. */
    public record SafeBefore(OffsetDateTime time, boolean held) {
    }

    private Uni<SafeBefore> safeBefore() {
        return pool.query(topology.sharded() ? SAFE_BEFORE_SHARDED : SAFE_BEFORE).execute()
                .map(rows -> safeBefore(rows.iterator().next()));
    }

    /** {@code safeBefore} from a row of {@link #SAFE_BEFORE}: nothing is safe while a writer's start is unknown. */
    static SafeBefore safeBefore(Row row) {
        boolean held = row.getBoolean("start_unknown");
        return new SafeBefore(held ? OffsetDateTime.MIN : row.getOffsetDateTime("safe_before"), held);
    }

    /** Whether the service's role sees when other roles' transactions started. */
    public Uni<Boolean> seesAllActivity() {
        return pool.query(SEES_ALL_ACTIVITY).execute().map(rows -> rows.iterator().next().getBoolean("sees_all"));
    }

    /**
     * A base statement plus the optional filter conditions, numbered in order. Each filter is shaped to
     * be a bounded index scan: a type other than {@code token} names the partial type index; a stream
     * is looked for along its session; {@code from} and {@code to} also bound the key (see
     * {@link #AFTER_FROM}, {@link #BEFORE_TO}) unless the journal is sharded (a recursive statement cannot
     * span shards; there each shard walks its tenant's keys and filters by time).
     */
    static final class Query {
        private final StringBuilder sql;
        private final Tuple args = Tuple.tuple();
        private final String table;
        private final String key;

        Query(String base, String table, String key, String tenant, long after) {
            this.sql = new StringBuilder(base);
            this.table = table;
            this.key = key;
            args.addString(tenant).addLong(after);
        }

        /**
         * @param sessionOfStream the session of the filter's stream (null without a stream filter)
         * @param bisect          whether time filters also bound the key by bisection
         */
        Query filter(AuditFilter filter, boolean events, String sessionOfStream, boolean bisect) {
            condition("session_id = $%d", filter.sessionId());
            condition("stream_id = $%d", filter.streamId());
            if (filter.sessionId() == null || !filter.sessionId().equals(sessionOfStream)) {
                condition("session_id = $%d", sessionOfStream);
            }
            if (events && condition("type = $%d", filter.type()) && !"token".equals(filter.type())) {
                and("type <> 'token'");
            }
            if (condition("at >= $%d", filter.from()) && bisect) {
                and(AFTER_FROM.formatted(table, key, args.size(), WRITE_BOUND));
            }
            if (condition("at < $%d", filter.to()) && bisect) {
                and(BEFORE_TO.formatted(table, key, args.size(), WRITE_BOUND));
            }
            return this;
        }

        Query orderAndLimit(int limit) {
            args.addInteger(limit);
            sql.append(" order by ").append(key).append(" limit $").append(args.size()).append('\n');
            return this;
        }

        String sql() {
            return sql.toString();
        }

        Tuple args() {
            return args;
        }

        /** Adds the condition with the value as the next parameter; false (and nothing added) for null. */
        private boolean condition(String condition, Object value) {
            if (value == null) {
                return false;
            }
            args.addValue(value);
            and(condition.formatted(args.size()));
            return true;
        }

        private void and(String condition) {
            sql.append("   and ").append(condition).append('\n');
        }
    }
}
