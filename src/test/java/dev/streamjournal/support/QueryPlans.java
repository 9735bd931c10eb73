package dev.streamjournal.support;

import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** EXPLAIN with sequential scans priced out, and the check that every index scan is bounded. */
public final class QueryPlans {

    private QueryPlans() {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    public static List<String> explain(Db db, String sql, Object[] args) {
        List<String> lines = new ArrayList<>();
        db.pool().withTransaction(connection -> connection.query("set local enable_seqscan = off").execute()
                        .chain(() -> connection.preparedQuery("explain " + sql).execute(Tuple.from(args))))
                .await().atMost(TIMEOUT)
                .forEach((Row row) -> lines.add(row.getString(0)));
        return lines;
    }

    /**
     * The plans of the queries over a journal of realistic size: in one transaction, rolled back, the
     * {@code seed} statements run and the tables are analyzed first (so that the planner weighs indexes
     * as it would in production, not as on the near-empty tables of a test database).
     */
    public static Map<String, List<String>> explainSeeded(Db db, List<String> seed, Map<String, Object[]> queries) {
        Map<String, List<String>> plans = new LinkedHashMap<>();
        SqlConnection connection = db.pool().getConnection().await().atMost(TIMEOUT);
        try {
            run(connection, "begin");
            // a seed statement may take longer than the service's statement timeout allows one statement
            run(connection, "set local statement_timeout = 0");
            for (String statement : seed) {
                run(connection, statement);
            }
            run(connection, "analyze");
            run(connection, "set local enable_seqscan = off");
            queries.forEach((sql, args) -> {
                List<String> lines = new ArrayList<>();
                connection.preparedQuery("explain " + sql).execute(Tuple.from(args)).await().atMost(TIMEOUT)
                        .forEach((Row row) -> lines.add(row.getString(0)));
                plans.put(sql, lines);
            });
        } finally {
            run(connection, "rollback");
            connection.close().await().atMost(TIMEOUT);
        }
        return plans;
    }

    private static void run(SqlConnection connection, String sql) {
        connection.query(sql).execute().await().atMost(TIMEOUT);
    }

    /** True when the plan scans a table sequentially or walks an index without an {@code Index Cond}. */
    public static boolean scans(List<String> plan) {
        return plan.stream().anyMatch(line -> line.contains("Seq Scan")) || hasUnboundedIndexScan(plan);
    }

    /** True when some index scan node of the plan has no {@code Index Cond} among its details. */
    public static boolean hasUnboundedIndexScan(List<String> plan) {
        for (int i = 0; i < plan.size(); i++) {
            String node = plan.get(i);
            if (!node.contains("Index Scan") && !node.contains("Index Only Scan")) {
                continue;
            }
            int depth = indent(node);
            boolean bounded = false;
            for (int j = i + 1; j < plan.size() && indent(plan.get(j)) > depth && !plan.get(j).contains("->"); j++) {
                bounded |= plan.get(j).contains("Index Cond:");
            }
            if (!bounded) {
                return true;
            }
        }
        return false;
    }

    private static int indent(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }
}
