package dev.streamjournal.audit;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.OffsetDateTime;

/** A journal event as the audit sees it: with its session and the principal that appended it. */
public record AuditEvent(long position, String sessionId, String streamId, int seq, String type,
        @JsonRawValue String data, String principal, OffsetDateTime at, @JsonIgnore OffsetDateTime insertedAt) {
}
