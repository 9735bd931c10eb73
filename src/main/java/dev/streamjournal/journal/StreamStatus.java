package dev.streamjournal.journal;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.OffsetDateTime;

/** {@code GET /v1/streams/{streamId}}: where a stream stands. {@code active} means not terminal. */
public record StreamStatus(String streamId, String sessionId, boolean active, OffsetDateTime createdAt,
        OffsetDateTime lastEventAt, OffsetDateTime leaseExpiresAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) String supersededBy, Journal journal) {

    /** The journal of the stream: {@code lastEventId} is {@code <streamId>:<seq>}. */
    public record Journal(int lastSeq, String lastEvent, String lastEventId, int eventCount, boolean terminal,
            TerminalState terminalState, boolean closed) {
    }

    public static StreamStatus of(String streamId, String sessionId, OffsetDateTime createdAt, int lastSeq,
            String lastEvent, OffsetDateTime lastEventAt, String terminalState, boolean closed, String supersededBy,
            OffsetDateTime leaseExpiresAt) {
        TerminalState state = TerminalState.fromWord(terminalState);
        String lastEventId = lastSeq == 0 ? null : streamId + ":" + lastSeq;
        return new StreamStatus(streamId, sessionId, state == null, createdAt, lastEventAt, leaseExpiresAt,
                supersededBy, new Journal(lastSeq, lastEvent, lastEventId, lastSeq, state != null, state, closed));
    }
}
