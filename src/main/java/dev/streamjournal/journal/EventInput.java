package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.JsonNode;

/** One event of an append batch; {@code seq} is optional (next), {@code data} an optional JSON object. */
public record EventInput(Long seq, String type, JsonNode data) {
}
