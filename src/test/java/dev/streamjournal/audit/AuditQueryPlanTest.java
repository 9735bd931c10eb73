package dev.streamjournal.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.support.Db;
import dev.streamjournal.support.QueryPlans;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The audit reads are served by bounded index scans, like the journal's. */
@QuarkusTest
class AuditQueryPlanTest {

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
}
