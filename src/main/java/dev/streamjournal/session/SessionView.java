package dev.streamjournal.session;

import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.streamjournal.journal.StreamStatus;
import java.util.List;

/**
 * {@code GET /v1/sessions/{sessionId}}: the canonical transcript and the session's streams.
 * {@code activeStreamId} names the newest stream while it is live, {@code currentStreamId} the newest
 * stream whatever its state; {@code revision} counts transcript changes.
 */
public record SessionView(String sessionId, String activeStreamId, String currentStreamId, long revision,
        @JsonRawValue String messages, List<StreamStatus> streams) {
}
