package dev.streamjournal.journal;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.support.Db;
import dev.streamjournal.support.QueryPlans;
import dev.streamjournal.support.Statements;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Every query on a request path can be answered from an index. With sequential scans priced out
 * ({@code enable_seqscan = off}), a plan still shows {@code Seq Scan} only when no index serves the
 * query, and every index scan must be bounded by an {@code Index Cond} (a filter-only walk of a whole
 * index is a scan too). The plans are taken over a seeded journal (rolled back) and written to
 * {@code target/query-plans.txt}. The one read through Hibernate Reactive with Panache is checked as
 * the SQL Hibernate issues, taken from its statement log while a request runs it.
 */
@QuarkusTest
@TestProfile(QueryPlanTest.HibernateSqlLogged.class)
class QueryPlanTest {

    /** Hibernate logs each statement it issues on {@code org.hibernate.SQL} at DEBUG, on one line. */
    public static class HibernateSqlLogged implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.log.category.\"org.hibernate.SQL\".level", "DEBUG",
                    "quarkus.hibernate-orm.log.format-sql", "false",
                    "quarkus.hibernate-orm.log.highlight-sql", "false");
        }
    }

    @Inject
    Db db;

    /**
     * The SQL Hibernate Reactive issues for the session check of the live channels
     * ({@code SessionQueries.exists}), taken from its statement log while a session channel is asked
     * for a session that does not exist.
     */
    private static String panacheSessionCheck() {
        List<String> issued = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (issued) {
                    issued.add(record.getMessage().replaceAll("\\s+", " ").strip());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        Logger sql = Logger.getLogger("org.hibernate.SQL");
        sql.addHandler(capture);
        try {
            given().accept("text/event-stream").get("/v1/sessions/plan-no-such-session/events").then().statusCode(404);
        } finally {
            sql.removeHandler(capture);
        }
        synchronized (issued) {
            assertThat(issued).as("statements Hibernate issued").hasSize(1);
            assertThat(issued.get(0)).contains("from sessions").contains("session_id=$1").contains("tenant=$2");
            return issued.get(0);
        }
    }

    /**
     * The statements on the journal's tables ({@link Statements}) with representative arguments, and the
     * Panache read as the SQL Hibernate issues.
     */
    private static Map<String, Object[]> hotQueries() {
        Map<String, Object[]> queries = new LinkedHashMap<>();
        for (Statements.Statement statement : Statements.all()) {
            if (statement.reach() != Statements.Reach.COORDINATOR && statement.reach() != Statements.Reach.CITUS_ONLY) {
                queries.put(statement.sql(), statement.args());
            }
        }
        queries.put(panacheSessionCheck(), new Object[] {"s", "default"});
        return queries;
    }

    /**
     * A journal of some size: 2,000 sessions, 20,000 streams (one in ten live, the rest terminal, most
     * closed) with 10 events each, and 2,000 DS subscriptions of 100 tenants with 10 links each, so that the
     * planner weighs the partial indexes as in production.
     */
    private static final List<String> SEED = List.of(
            "insert into sessions (session_id, tenant) select 'plan-s' || g, 'default' from generate_series(1, 2000) g",
            """
            insert into streams (stream_id, session_id, tenant, create_request, created_by, lease_seconds, lease_expires_at,
                                 terminal_state, terminal_at, closed, closed_at)
            select 'plan-st' || g, 'plan-s' || (g % 2000 + 1), 'default', '{}', 'p', 60, now() + interval '1 minute',
                   case when g % 10 = 0 then null else 'completed' end, case when g % 10 = 0 then null else now() end,
                   g % 10 > 1, case when g % 10 > 1 then now() end
              from generate_series(1, 20000) g""",
            """
            insert into journal_events (stream_id, seq, session_id, tenant, type, data, data_bytes, principal)
            select 'plan-st' || g, seq, 'plan-s' || (g % 2000 + 1), 'default', 'token', '{}', 2, 'p'
              from generate_series(1, 20000) g, generate_series(1, 10) seq""",
            """
            insert into ds_subscriptions (sub_key, tenant, subscription_id, type, pattern, lease_ttl_ms, config_hash, base_url)
            select 'plan-dss' || g, 'plan-t' || (g % 100), 'sub' || g, 'webhook', 'events/*', 30000, 'h', 'http://x/ds'
              from generate_series(1, 2000) g""",
            """
            insert into ds_subscription_links (sub_key, tenant, path, glob, acked_offset)
            select 'plan-dss' || g, 'plan-t' || (g % 100), 'events/' || p, true, '-1'
              from generate_series(1, 2000) g, generate_series(1, 10) p""");

    @Test
    void everyHotQuery_isServedByAnIndex() throws IOException {
        StringBuilder report = new StringBuilder();
        List<String> scanning = new ArrayList<>();
        for (Map.Entry<String, List<String>> query : QueryPlans.explainSeeded(db, SEED, hotQueries()).entrySet()) {
            List<String> plan = query.getValue();
            report.append(query.getKey().strip()).append("\n\n");
            plan.forEach(line -> report.append("    ").append(line).append('\n'));
            report.append("\n");
            if (QueryPlans.scans(plan)) {
                scanning.add(query.getKey().strip());
            }
        }
        Files.writeString(Path.of("target", "query-plans.txt"), report);

        assertThat(scanning).as("queries that need a sequential scan; plans in target/query-plans.txt").isEmpty();
    }

    @Test
    void aQueryWithoutIndex_isCaughtByThisCheck() {
        assertThat(QueryPlans.explain(db, "select * from journal_events where principal = $1", new Object[] {"x"}))
                .anyMatch(line -> line.contains("Seq Scan"));
    }

    @Test
    void anIndexWalkWithoutCondition_isCaughtByThisCheck() {
        assertThat(QueryPlans.hasUnboundedIndexScan(QueryPlans.explain(db,
                "select * from streams where terminal_state is null and created_by = $1", new Object[] {"x"})))
                .isTrue();
    }
}
