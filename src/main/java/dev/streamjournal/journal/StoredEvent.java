package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.JsonNode;

/** An event already in the journal, as far as a retry needs to compare it. */
public record StoredEvent(int seq, String type, JsonNode data) {
}
