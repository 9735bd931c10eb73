package dev.streamjournal.audit;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.Function;

/**
 * Which rows a reader paging the global order at its tail may take without ever skipping a row that
 * commits later with a smaller position. Positions are taken at insert time, but transactions commit
 * in any order: a row may be visible while a smaller position is still in flight. A transaction that
 * holds a smaller position than row R started before R was inserted. So the reader first asks for
 * {@code safeBefore}: the earliest start of the transactions still running (that hold an xid), capped
 * at the current time; then it reads, and takes rows in order while they were inserted before
 * {@code safeBefore}. A later read takes the rest.
 */
public final class SafePrefix {

    private SafePrefix() {
    }

    /**
     * @param rows       the rows after the cursor in position order, read after {@code safeBefore} was taken
     * @param insertedAt the row's {@code inserted_at}
     * @return how many leading rows are safe to hand out
     */
    public static <T> int length(List<T> rows, Function<T, OffsetDateTime> insertedAt, OffsetDateTime safeBefore) {
        int safe = 0;
        while (safe < rows.size() && insertedAt.apply(rows.get(safe)).isBefore(safeBefore)) {
            safe++;
        }
        return safe;
    }
}
