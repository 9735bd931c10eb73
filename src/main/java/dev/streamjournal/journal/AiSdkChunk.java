package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * The event type {@code x-ai-sdk}: its data is one raw AI SDK UI message chunk, which the UI message
 * stream replays unchanged (data parts, sources, files, steps, metadata, the bounds of text and
 * reasoning parts). The chunks that open and end a message are the service's own: {@code start} carries
 * the stream id, and a message ends with the stream's terminal event ({@code done}, {@code cancel},
 * {@code error}), so they are refused here.
 */
public final class AiSdkChunk {

    public static final String EVENT_TYPE = "x-ai-sdk";

    /** The chunk types of {@code ai} 7 that an {@code x-ai-sdk} event may carry, besides {@code data-*}. */
    static final Set<String> PASSED_THROUGH = Set.of("text-start", "text-delta", "text-end", "reasoning-start",
            "reasoning-delta", "reasoning-end", "tool-input-start", "tool-input-delta", "tool-input-available",
            "tool-input-error", "tool-approval-request", "tool-approval-response", "tool-output-available",
            "tool-output-error", "tool-output-denied", "source-url", "source-document", "file", "reasoning-file",
            "custom", "steering-message", "start-step", "finish-step", "reset-step", "message-metadata");

    private AiSdkChunk() {
    }

    /** Why {@code data} cannot be the data of an {@code x-ai-sdk} event, or null when it can. */
    public static String problem(JsonNode data) {
        if (data == null || !data.isObject() || !data.path("type").isTextual()) {
            return "data must be a UI message chunk: an object with a string type";
        }
        String type = data.path("type").asText();
        if (PASSED_THROUGH.contains(type) || type.startsWith("data-") && type.length() > 5) {
            return null;
        }
        if (Set.of("start", "finish", "abort", "error").contains(type)) {
            return "a '" + type + "' chunk is the service's: end the stream with done, cancel or error instead";
        }
        return "'" + type + "' is not a UI message chunk type of the AI SDK";
    }
}
