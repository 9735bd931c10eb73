package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.JsonNode;

/** The body of {@code POST /v1/sessions/{sessionId}/streams}; every field is optional. */
public record CreateStreamRequest(String streamId, JsonNode userMessage, String onActive, Integer leaseSeconds) {
}
