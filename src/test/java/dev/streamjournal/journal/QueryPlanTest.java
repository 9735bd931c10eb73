package dev.streamjournal.journal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.live.ChangeSweep;
import dev.streamjournal.session.SessionRepository;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.QueryPlans;
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

    /** The hot queries with representative arguments; the Panache read is given as the SQL it issues. */
    private static Map<String, Object[]> hotQueries() {
        Map<String, Object[]> queries = new LinkedHashMap<>();
        queries.put(JournalRepository.LOCK_STREAM, new Object[] {"st", "default"});
        queries.put(JournalRepository.LOCK_SESSION_OF_STREAM, new Object[] {"st", "default"});
        queries.put(JournalRepository.STORED_EVENTS, new Object[] {"st", new Integer[] {1, 2}});
        queries.put(JournalRepository.UPDATE_AFTER_APPEND, new Object[] {"st", 3, "token", null, null, false});
        queries.put(JournalRepository.CONTENT_EVENTS, new Object[] {"st"});
        queries.put(JournalRepository.HEARTBEAT, new Object[] {"st", "default"});
        queries.put(JournalRepository.TENANT_PAGE, new Object[] {"st", "default", 10, 101});
        queries.put(JournalRepository.APPEND_CONTINUING, new Object[] {new String[] {"st", "st2"},
                new String[] {"default", "default"}, new String[] {"p", "p"}, new Boolean[] {true, true},
                new Integer[] {1, 1}, new String[] {"token", "token"}, new Integer[] {1, 2}, new Integer[] {1, 1},
                new Integer[] {null, null}, new String[] {"token", "token"}, new String[] {"{}", "{}"}});
        queries.put(StreamStatusRepository.STATUS, new Object[] {"st", "default"});
        queries.put(ChangeSweep.STREAMS, new Object[] {new String[] {"st", "st2"}});
        queries.put(ChangeSweep.SESSIONS, new Object[] {new String[] {"s", "s2"}});
        queries.put(JournalRepository.PAGE, new Object[] {"st", 10, 101, "default"});
        queries.put(JournalRepository.BOUNDED_PAGE, new Object[] {"st", 10, 2000, "default", 1L << 20});
        queries.put(LeaseReaper.LOCK_EXPIRED, new Object[] {100});
        queries.put(LeaseReaper.CLOSE_LINGERING, new Object[] {300.0, 100, "system:x"});
        queries.put("select count(*) from sessions where session_id = $1 and tenant = $2", new Object[] {"s", "default"});
        queries.put(SessionRepository.VIEW, new Object[] {"s", "default"});
        queries.put(JournalRepository.STREAMS_OF_SESSION, new Object[] {"s", "default"});
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
