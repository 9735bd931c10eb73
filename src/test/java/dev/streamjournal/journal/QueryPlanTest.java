package dev.streamjournal.journal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.support.Db;
import dev.streamjournal.support.QueryPlans;
import dev.streamjournal.support.Statements;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every query on a request path can be answered from an index. With sequential scans priced out
 * ({@code enable_seqscan = off}), a plan still shows {@code Seq Scan} only when no index serves the
 * query, and every index scan must be bounded by an {@code Index Cond} (a filter-only walk of a whole
 * index is a scan too). The plans are taken over a seeded journal (rolled back) and written to
 * {@code target/query-plans.txt}.
 */
@QuarkusTest
class QueryPlanTest {

    @Inject
    Db db;

    /**
     * The statements on the journal's tables ({@link Statements}) with representative arguments, and the
     * Panache read as the SQL it issues.
     */
    private static Map<String, Object[]> hotQueries() {
        Map<String, Object[]> queries = new LinkedHashMap<>();
        for (Statements.Statement statement : Statements.all()) {
            if (statement.reach() != Statements.Reach.COORDINATOR && statement.reach() != Statements.Reach.CITUS_ONLY) {
                queries.put(statement.sql(), statement.args());
            }
        }
        queries.put("select count(*) from sessions where session_id = $1 and tenant = $2", new Object[] {"s", "default"});
        return queries;
    }

    /**
     * A journal of some size: 2,000 sessions, 20,000 streams (one in ten live, the rest terminal, most
     * closed) with 10 events each, so that the planner weighs the partial indexes as in production.
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
              from generate_series(1, 20000) g, generate_series(1, 10) seq""");

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
