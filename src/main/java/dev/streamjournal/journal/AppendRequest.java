package dev.streamjournal.journal;

import java.util.List;

/** The body of {@code POST /v1/streams/{streamId}/events}. */
public record AppendRequest(List<EventInput> events) {
}
