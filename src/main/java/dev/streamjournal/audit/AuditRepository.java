package dev.streamjournal.audit;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit's SQL: keyset reads in global order. Each read first takes {@code safeBefore} (see
 * {@link SafePrefix}) in a statement of its own, then reads the rows in a later statement, so that a
 * transaction that ended in between is either seen running or has its rows visible.
 */
@ApplicationScoped
public class AuditRepository {

    /** Rows read after {@code safeBefore} was taken. */
    public record Read<T>(List<T> rows, OffsetDateTime safeBefore) {
    }

    static final String SAFE_BEFORE = """
            select least(clock_timestamp(),
                         (select min(xact_start) from pg_stat_activity
                           where backend_xid is not null and pid <> pg_backend_pid())) as safe_before
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

    private final Pool pool;

    public AuditRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Read<AuditEvent>> events(String tenant, AuditFilter filter, long after, int limit) {
        Query query = new Query(EVENTS, tenant, after).filter(filter, true).orderAndLimit("position", limit);
        return safeBefore().chain(safeBefore -> pool.preparedQuery(query.sql.toString()).execute(query.args)
                .map(rows -> {
                    List<AuditEvent> events = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        events.add(new AuditEvent(row.getLong("position"), row.getString("session_id"),
                                row.getString("stream_id"), row.getInteger("seq"), row.getString("type"),
                                row.getString("data"), row.getString("principal"), row.getOffsetDateTime("at"),
                                row.getOffsetDateTime("inserted_at")));
                    }
                    return new Read<>(events, safeBefore);
                }));
    }

    public Uni<Read<LifecycleEntry>> lifecycle(String tenant, AuditFilter filter, long after, int limit) {
        Query query = new Query(LIFECYCLE, tenant, after).filter(filter, false).orderAndLimit("id", limit);
        return safeBefore().chain(safeBefore -> pool.preparedQuery(query.sql.toString()).execute(query.args)
                .map(rows -> {
                    List<LifecycleEntry> entries = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        entries.add(new LifecycleEntry(row.getLong("id"), row.getString("session_id"),
                                row.getString("stream_id"), row.getString("kind"), row.getString("state"),
                                row.getString("detail"), row.getString("principal"), row.getOffsetDateTime("at"),
                                row.getOffsetDateTime("inserted_at")));
                    }
                    return new Read<>(entries, safeBefore);
                }));
    }

    private Uni<OffsetDateTime> safeBefore() {
        return pool.query(SAFE_BEFORE).execute().map(rows -> rows.iterator().next().getOffsetDateTime("safe_before"));
    }

    /** A base statement plus the optional filter conditions, numbered in order. */
    private static final class Query {
        private final StringBuilder sql;
        private final Tuple args = Tuple.tuple();

        Query(String base, String tenant, long after) {
            sql = new StringBuilder(base);
            args.addString(tenant).addLong(after);
        }

        Query filter(AuditFilter filter, boolean byType) {
            condition("session_id = $", filter.sessionId());
            condition("stream_id = $", filter.streamId());
            if (byType) {
                condition("type = $", filter.type());
            }
            condition("at >= $", filter.from());
            condition("at < $", filter.to());
            return this;
        }

        Query orderAndLimit(String key, int limit) {
            args.addInteger(limit);
            sql.append(" order by ").append(key).append(" limit $").append(args.size()).append('\n');
            return this;
        }

        private void condition(String condition, Object value) {
            if (value != null) {
                args.addValue(value);
                sql.append("   and ").append(condition).append(args.size()).append('\n');
            }
        }
    }
}
