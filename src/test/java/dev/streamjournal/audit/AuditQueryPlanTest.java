package dev.streamjournal.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.support.Db;
import dev.streamjournal.support.QueryPlans;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The audit reads are served by bounded index scans, like the journal's, with every filter. */
@QuarkusTest
class AuditQueryPlanTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final String TENANT = "plan";
    private static final OffsetDateTime EPOCH = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    /** One event every 8.64 s: 1,000,000 events span 100 days. */
    private static final double SECONDS_PER_EVENT = 8.64;
    /** A page of a selective filter reads about a page of rows; a walk through the tenant reads thousands of blocks. */
    private static final long MOST_BLOCKS_PER_PAGE = 1_000;
    private static final Pattern BUFFERS = Pattern.compile("Buffers: shared(?: hit=(\\d+))?(?: read=(\\d+))?");

    @Inject
    Db db;

    @Test
    void auditQueries_areServedByIndexes() {
        Map<String, Object[]> queries = new LinkedHashMap<>();
        queries.put(AuditRepository.EVENTS + " order by position limit $3", new Object[] {"default", 0L, 100});
        queries.put(AuditRepository.EVENTS + "   and session_id = $3\n order by position limit $4",
                new Object[] {"default", 0L, "s", 100});
        queries.put(AuditRepository.LIFECYCLE + " order by id limit $3", new Object[] {"default", 0L, 100});
        queries.put(AuditRepository.LIFECYCLE + "   and stream_id = $3\n order by id limit $4",
                new Object[] {"default", 0L, "st", 100});
        for (Map.Entry<String, Object[]> query : queries.entrySet()) {
            assertThat(QueryPlans.scans(QueryPlans.explain(db, query.getKey(), query.getValue())))
                    .as("plan of %s", query.getKey()).isFalse();
        }
    }

    /**
     * A million events of one tenant (10,000 streams of 100 events in 1,000 sessions, over 100 days) and
     * 30,000 lifecycle rows, written and measured in one transaction that is rolled back. Every filter's
     * page, first or last, reads at most {@link #MOST_BLOCKS_PER_PAGE} blocks; a time filter without its
     * position bounds reads the tenant's whole history.
     */
    @Test
    void everyFilteredPage_atAMillionEvents_readsABoundedNumberOfBlocks() throws IOException {
        SqlConnection connection = db.pool().getConnection().await().atMost(TIMEOUT);
        Map<String, Long> blocks = new LinkedHashMap<>();
        StringBuilder report = new StringBuilder();
        try {
            Transaction transaction = connection.begin().await().atMost(TIMEOUT);
            // seeding a million events takes longer than the service's statement timeout allows one statement
            execute(connection, "set local statement_timeout = 0");
            seed(connection);
            OffsetDateTime day10 = day(10);
            OffsetDateTime day50 = day(50);
            OffsetDateTime window = day50.plusMinutes(10);
            long lastBeforeDay10 = scalar(connection,
                    "select max(position) from journal_events where tenant = $1 and at < $2", TENANT, day10);
            long lastInWindow = scalar(connection,
                    "select max(position) from journal_events where tenant = $1 and at >= $2 and at < $3", TENANT,
                    day50, window);
            long lastLifecycleBeforeDay10 = scalar(connection,
                    "select max(id) from lifecycle_log where tenant = $1 and at < $2", TENANT, day10);

            Map<String, AuditRepository.Query> pages = new LinkedHashMap<>();
            pages.put("events, no filter, mid-journal", events(null, null, null, null, null, 500_000));
            pages.put("events, rare type", events(null, null, "x-rare", null, null, 0));
            pages.put("events, type done", events(null, null, "done", null, null, 0));
            pages.put("events, stream", events(null, "plan-st5000", null, null, null, 0));
            pages.put("events, session", events("plan-s500", null, null, null, null, 0));
            pages.put("events, from day 50", events(null, null, null, day50, null, 0));
            pages.put("events, to day 10, last page", events(null, null, null, null, day10, lastBeforeDay10));
            pages.put("events, 10 minutes, first page", events(null, null, null, day50, window, 0));
            pages.put("events, 10 minutes, last page", events(null, null, null, day50, window, lastInWindow));
            pages.put("events, rare type from day 50", events(null, null, "x-rare", day50, null, 0));
            pages.put("lifecycle, stream", lifecycle(null, "plan-st5000", null, null, 0));
            pages.put("lifecycle, session", lifecycle("plan-s500", null, null, null, 0));
            pages.put("lifecycle, from day 50", lifecycle(null, null, day50, null, 0));
            pages.put("lifecycle, to day 10, last page", lifecycle(null, null, null, day10, lastLifecycleBeforeDay10));
            Random random = new Random(42);
            for (int i = 0; i < 30; i++) {
                OffsetDateTime from = EPOCH.plusMinutes(random.nextInt(100 * 24 * 60));
                OffsetDateTime to = from.plusMinutes(1 + random.nextInt(120));
                long after = scalar(connection, "select coalesce(max(position), 0) from journal_events"
                        + " where tenant = $1 and at < $2", TENANT, from.plusMinutes(random.nextInt(60)));
                pages.put("events, random window " + i, events(null, null, null, from, to, after));
                pages.put("lifecycle, random window " + i, lifecycle(null, null, from, to, after / 33));
            }
            for (Map.Entry<String, AuditRepository.Query> page : pages.entrySet()) {
                blocks.put(page.getKey(), measure(connection, page.getKey(), page.getValue().sql(),
                        page.getValue().args(), report));
                assertThat(keys(connection, page.getValue().sql(), page.getValue().args()))
                        .as("%s: the same rows as the plain filter", page.getKey())
                        .containsExactlyElementsOf(keys(connection, plain(page.getValue().sql()), page.getValue().args()));
            }
            // the shape before V5: a time filter alone walks the whole history of the tenant
            long unbounded = measure(connection, "control: events, to day 10, last page, without position bounds",
                    AuditRepository.EVENTS + "   and at < $3\n order by position limit $4",
                    Tuple.of(TENANT, lastBeforeDay10, day10, 100), report);
            transaction.rollback().await().atMost(TIMEOUT);

            assertThat(unbounded).as("blocks read by the control; plans in target/audit-plans-1m.txt")
                    .isGreaterThan(10 * MOST_BLOCKS_PER_PAGE);
        } finally {
            connection.close().await().atMost(TIMEOUT);
            Files.writeString(Path.of("target", "audit-plans-1m.txt"), report);
        }
        assertThat(blocks).as("blocks read per page; plans in target/audit-plans-1m.txt")
                .allSatisfy((page, read) -> assertThat(read).as(page).isLessThanOrEqualTo(MOST_BLOCKS_PER_PAGE));
    }

    /** The page's statement without the shaping conditions: the filters alone, as the definition of its rows. */
    private static String plain(String sql) {
        return sql.replaceAll("(?s)   and (position|id) [<>] coalesce\\(\\(.*?\\), (0|9223372036854775807)\\)\n", "")
                .replace("   and type <> 'token'\n", "")
                .replaceAll("   and session_id = \\(select session_id from streams where stream_id = \\$\\d+\\)\n", "");
    }

    /** The keys (position or id) of a page, in order. */
    private static List<Long> keys(SqlConnection connection, String sql, Tuple args) {
        List<Long> keys = new ArrayList<>();
        connection.preparedQuery(sql).execute(args).await().atMost(TIMEOUT).forEach((Row row) -> keys.add(row.getLong(0)));
        return keys;
    }

    private static OffsetDateTime day(int day) {
        return EPOCH.plusDays(day);
    }

    private static AuditRepository.Query events(String session, String stream, String type, OffsetDateTime from,
            OffsetDateTime to, long after) {
        return new AuditRepository.Query(AuditRepository.EVENTS, "journal_events", "position", TENANT, after)
                .filter(new AuditFilter(session, stream, type, from, to), true, sessionOf(stream), true).orderAndLimit(100);
    }

    private static AuditRepository.Query lifecycle(String session, String stream, OffsetDateTime from,
            OffsetDateTime to, long after) {
        return new AuditRepository.Query(AuditRepository.LIFECYCLE, "lifecycle_log", "id", TENANT, after)
                .filter(new AuditFilter(session, stream, null, from, to), false, sessionOf(stream), true).orderAndLimit(100);
    }

    /** The session of a seeded stream ({@code plan-stK} belongs to {@code plan-s(K % 1000 + 1)}), as the stream directory finds it. */
    private static String sessionOf(String stream) {
        return stream == null ? null : "plan-s" + (Integer.parseInt(stream.substring("plan-st".length())) % 1000 + 1);
    }

    private static void seed(SqlConnection connection) {
        execute(connection, "insert into sessions (session_id, tenant) select 'plan-s' || g, $1 from generate_series(1, 1000) g",
                TENANT);
        execute(connection, """
                insert into streams (stream_id, session_id, tenant, create_request, created_by, lease_seconds, lease_expires_at)
                select 'plan-st' || g, 'plan-s' || (g % 1000 + 1), $1, '{}', 'p', 60, now()
                  from generate_series(1, 10000) g""", TENANT);
        // stream k holds events (k-1)*100+1 .. k*100: seq 100 is done, every 20,000th event is rare; each
        // event's transaction began up to 2 minutes before its insert, so times are only roughly in order
        execute(connection, "select setseed(0.42)");
        execute(connection, """
                insert into journal_events (stream_id, seq, session_id, tenant, type, data, data_bytes, principal,
                                            at, inserted_at)
                select 'plan-st' || k, seq, 'plan-s' || (k % 1000 + 1), $1,
                       case when seq = 100 then 'done' when g % 20000 = 7 then 'x-rare' else 'token' end,
                       '{"text":"t"}', 12, 'p', t - make_interval(secs => floor(random() * 120)),
                       t + interval '1 millisecond'
                  from generate_series(1, 1000000) g,
                       lateral (select (g - 1) / 100 + 1 as k, (g - 1) % 100 + 1 as seq,
                                       $2::timestamptz + g * make_interval(secs => $3) as t) e""",
                TENANT, EPOCH, SECONDS_PER_EVENT);
        // created, terminal and closed of each stream, at its first, last and last event's time
        execute(connection, """
                insert into lifecycle_log (session_id, stream_id, tenant, kind, state, principal, at, inserted_at)
                select 'plan-s' || (k % 1000 + 1), 'plan-st' || k, $1, kind, null, 'p',
                       t - make_interval(secs => floor(random() * 120)), t + interval '1 millisecond'
                  from generate_series(1, 10000) k,
                       lateral (values ('created', 1), ('terminal', 100), ('closed', 100)) as f(kind, seq),
                       lateral (select $2::timestamptz + ((k - 1) * 100 + seq) * make_interval(secs => $3) as t) e""",
                TENANT, EPOCH, SECONDS_PER_EVENT);
        execute(connection, "analyze journal_events");
        execute(connection, "analyze lifecycle_log");
        execute(connection, "analyze streams");
    }

    /** The shared blocks the page reads (hit or read), from EXPLAIN ANALYZE; its plan goes to the report. */
    private static long measure(SqlConnection connection, String name, String sql, Tuple args, StringBuilder report) {
        List<String> plan = new ArrayList<>();
        connection.preparedQuery("explain (analyze, buffers, timing off) " + sql).execute(args)
                .await().atMost(TIMEOUT).forEach((Row row) -> plan.add(row.getString(0)));
        long blocks = plan.stream().map(BUFFERS::matcher).filter(Matcher::find).findFirst()
                .map(m -> (m.group(1) == null ? 0 : Long.parseLong(m.group(1)))
                        + (m.group(2) == null ? 0 : Long.parseLong(m.group(2))))
                .orElseThrow(() -> new AssertionError("no buffer counts in the plan of " + name + ": " + plan));
        report.append(name).append(": ").append(blocks).append(" blocks\n\n").append(sql.strip()).append("\n\n");
        plan.forEach(line -> report.append("    ").append(line).append('\n'));
        report.append('\n');
        return blocks;
    }

    private static void execute(SqlConnection connection, String sql, Object... args) {
        connection.preparedQuery(sql).execute(Tuple.from(args)).await().atMost(TIMEOUT);
    }

    private static long scalar(SqlConnection connection, String sql, Object... args) {
        return connection.preparedQuery(sql).execute(Tuple.from(args)).await().atMost(TIMEOUT)
                .iterator().next().getLong(0);
    }
}
