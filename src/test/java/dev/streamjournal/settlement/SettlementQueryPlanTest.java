package dev.streamjournal.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.support.Db;
import dev.streamjournal.support.QueryPlans;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** The settlement facts, read at every settlement and every live wake, are served by bounded index scans. */
@QuarkusTest
class SettlementQueryPlanTest {

    @Inject
    Db db;

    @Test
    void settlementFacts_areServedByIndexes() {
        assertThat(QueryPlans.scans(QueryPlans.explain(db, SettlementRepository.FACTS, new Object[] {"s", "st", "default"})))
                .isFalse();
    }
}
