package dev.streamjournal.journal;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.OffsetDateTime;

/** A journaled event as readers see it; {@code data} is the stored JSON, passed through unparsed. */
public record JournalEvent(String streamId, int seq, long position, String type, @JsonRawValue String data,
        OffsetDateTime at) {
}
