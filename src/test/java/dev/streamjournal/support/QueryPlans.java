package dev.streamjournal.support;

import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** EXPLAIN with sequential scans priced out, and the check that every index scan is bounded. */
public final class QueryPlans {

    private QueryPlans() {
    }

    public static List<String> explain(Db db, String sql, Object[] args) {
        List<String> lines = new ArrayList<>();
        db.pool().withTransaction(connection -> connection.query("set local enable_seqscan = off").execute()
                        .chain(() -> connection.preparedQuery("explain " + sql).execute(Tuple.from(args))))
                .await().atMost(Duration.ofSeconds(30))
                .forEach((Row row) -> lines.add(row.getString(0)));
        return lines;
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
