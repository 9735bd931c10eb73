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

    public static StreamStatus of(StreamEntity row) {
        TerminalState state = TerminalState.fromWord(row.terminalState);
        String lastEventId = row.lastSeq == 0 ? null : row.streamId + ":" + row.lastSeq;
        return new StreamStatus(row.streamId, row.sessionId, state == null, row.createdAt, row.lastEventAt,
                row.leaseExpiresAt, row.supersededBy,
                new Journal(row.lastSeq, row.lastEvent, lastEventId, row.lastSeq, state != null, state, row.closed));
    }
}
