package dev.streamjournal.audit;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.OffsetDateTime;

/** One fact of the lifecycle log. */
public record LifecycleEntry(long id, String sessionId, String streamId, String kind, String state,
        @JsonRawValue String detail, String principal, OffsetDateTime at, @JsonIgnore OffsetDateTime insertedAt) {
}
