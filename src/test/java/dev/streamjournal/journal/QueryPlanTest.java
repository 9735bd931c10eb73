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
 * index is a scan too). The plans are written to {@code target/query-plans.txt}.
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

    @Test
    void everyHotQuery_isServedByAnIndex() throws IOException {
        StringBuilder report = new StringBuilder();
        List<String> scanning = new ArrayList<>();
        for (Map.Entry<String, Object[]> query : hotQueries().entrySet()) {
            List<String> plan = QueryPlans.explain(db, query.getKey(), query.getValue());
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
