package dev.streamjournal.settlement;

import io.smallrye.mutiny.Uni;
import java.time.Duration;

/**
 * Where a long-poll waits for a stream's next decision: the live hub's feed of the stream, which
 * decides once per change that can alter the outcome, for every client that waits.
 */
public interface SettlementFeeds {

    /**
     * The stream's settlement at its feed's first decision that is not {@code active}; after
     * {@code wait}, or when the replica drains, the current one (null when none was read yet).
     */
    Uni<Settlement> awaitSettled(String sessionId, String streamId, String tenant, Duration wait);
}
