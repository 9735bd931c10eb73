package dev.streamjournal.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The gap-safe audit tail, without I/O: which rows a reader may hand out while transactions that hold
 * smaller positions are still in flight.
 */
class SafePrefixTest {

    private static final OffsetDateTime T0 = OffsetDateTime.parse("2026-01-01T00:00:00Z");

    private static OffsetDateTime at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void takesRowsInsertedBeforeTheOldestRunningTransactionStarted() {
        List<OffsetDateTime> rows = List.of(at(1), at(2), at(3));
        assertThat(SafePrefix.length(rows, Function.identity(), at(1))).isZero();
        assertThat(SafePrefix.length(rows, Function.identity(), at(3))).isEqualTo(2);
        assertThat(SafePrefix.length(rows, Function.identity(), at(4))).isEqualTo(3);
    }

    @Test
    void stopsAtTheFirstUnsafeRow_evenWhenLaterOnesWouldBeSafe() {
        assertThat(SafePrefix.length(List.of(at(1), at(9), at(2)), Function.identity(), at(5))).isEqualTo(1);
    }

    @Test
    void emptyReadIsEmpty() {
        assertThat(SafePrefix.length(List.<OffsetDateTime>of(), Function.identity(), at(5))).isZero();
    }
}
