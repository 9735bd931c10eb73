package dev.streamjournal.ds;

import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The {@code Stream-Cursor} of live reads: the number of the current 20-second interval since
 * 2024-10-09, so that proxies can collapse the long-polls of one interval onto one request. A client
 * that echoes a cursor of the current interval or later gets a later one (by a random 1 s to 1 h, rounded
 * up to intervals), so a cursor never repeats and a cache key never loops.
 */
public final class DsCursor {

    static final long EPOCH_MILLIS = Instant.parse("2024-10-09T00:00:00Z").toEpochMilli();
    static final long INTERVAL_MILLIS = 20_000;

    private DsCursor() {
    }

    public static String next(String clientCursor, long nowMillis) {
        long current = Math.floorDiv(nowMillis - EPOCH_MILLIS, INTERVAL_MILLIS);
        long client;
        try {
            client = clientCursor == null ? Long.MIN_VALUE : Long.parseLong(clientCursor);
        } catch (NumberFormatException e) {
            client = Long.MIN_VALUE;
        }
        if (client < current) {
            return Long.toString(current);
        }
        long jitterSeconds = 1 + ThreadLocalRandom.current().nextLong(3600);
        long jitterIntervals = Math.max(1, (jitterSeconds * 1000 + INTERVAL_MILLIS - 1) / INTERVAL_MILLIS);
        return Long.toString(client + jitterIntervals);
    }
}
