package dev.streamjournal.settlement;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a client holding a stream should do with what it drew live. */
public enum Outcome {
    /** The stream is terminal and current: the saved transcript is canonical and may replace the live view. */
    RESTORED,
    /** The stream is current and still running. */
    ACTIVE,
    /** A newer stream took the session: the old stream must not touch the newer stream's view. */
    STALE,
    /** No such stream is visible to the caller. */
    MISSING,
    /** The stream is current and ended in error or was interrupted; the transcript holds the partial message. */
    ERROR;

    @JsonValue
    public String word() {
        return name().toLowerCase();
    }
}
