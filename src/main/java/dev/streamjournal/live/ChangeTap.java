package dev.streamjournal.live;

import dev.streamjournal.journal.Change;
import java.util.List;

/**
 * Another follower of committed changes on this replica, beside the hub's own feeds (the Durable
 * Streams feeds): the hub hands it every change it hears, from this replica's appends and from the
 * other replicas' doorbells, asks it to catch up when the wake-up channel was lost, and the
 * {@link ChangeSweep} compares the streams it follows with their rows.
 */
public interface ChangeTap {

    /** A stream this tap follows, as it last read it: its last seq and whether it was closed. */
    record Tapped(String sessionId, String streamId, int head, boolean closed) {
    }

    void changed(Change change);

    /** Reads every followed stream again (after the wake-up channel was lost). */
    void catchUp();

    /** The streams followed here that have been read at least once. */
    List<Tapped> tapped();
}
