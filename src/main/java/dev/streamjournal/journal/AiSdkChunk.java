package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
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

    /**
     * The chunk types of {@code ai} 7 that an {@code x-ai-sdk} event may carry, besides {@code data-*}, each with
     * the string fields the client's schema requires of it (a chunk without them would break the chat at every
     * replay).
     */
    static final Map<String, List<String>> PASSED_THROUGH = Map.ofEntries(
            Map.entry("text-start", List.of("id")), Map.entry("text-delta", List.of("id", "delta")),
            Map.entry("text-end", List.of("id")), Map.entry("reasoning-start", List.of("id")),
            Map.entry("reasoning-delta", List.of("id", "delta")), Map.entry("reasoning-end", List.of("id")),
            Map.entry("tool-input-start", List.of("toolCallId", "toolName")),
            Map.entry("tool-input-delta", List.of("toolCallId", "inputTextDelta")),
            Map.entry("tool-input-available", List.of("toolCallId", "toolName")),
            Map.entry("tool-input-error", List.of("toolCallId", "toolName", "errorText")),
            Map.entry("tool-approval-request", List.of("approvalId", "toolCallId")),
            Map.entry("tool-approval-response", List.of("approvalId")),
            Map.entry("tool-output-available", List.of("toolCallId")),
            Map.entry("tool-output-error", List.of("toolCallId", "errorText")),
            Map.entry("tool-output-denied", List.of("toolCallId")),
            Map.entry("source-url", List.of("sourceId", "url")),
            Map.entry("source-document", List.of("sourceId", "mediaType", "title")),
            Map.entry("file", List.of("url", "mediaType")), Map.entry("reasoning-file", List.of("url", "mediaType")),
            Map.entry("custom", List.of("kind")), Map.entry("steering-message", List.of("id")),
            Map.entry("start-step", List.of()), Map.entry("finish-step", List.of()), Map.entry("reset-step", List.of()),
            Map.entry("message-metadata", List.of()));

    private AiSdkChunk() {
    }

    /** Why {@code data} cannot be the data of an {@code x-ai-sdk} event, or null when it can. */
    public static String problem(JsonNode data) {
        if (data == null || !data.isObject() || !data.path("type").isTextual()) {
            return "data must be a UI message chunk: an object with a string type";
        }
        String type = data.path("type").asText();
        if (type.startsWith("data-") && type.length() > 5) {
            return null;
        }
        List<String> required = PASSED_THROUGH.get(type);
        if (required != null) {
            for (String field : required) {
                if (!data.path(field).isTextual()) {
                    return "a '" + type + "' chunk needs a string " + field;
                }
            }
            if (type.equals("tool-approval-response") && !data.path("approved").isBoolean()) {
                return "a 'tool-approval-response' chunk needs a boolean approved";
            }
            return null;
        }
        if (Set.of("start", "finish", "abort", "error").contains(type)) {
            return "a '" + type + "' chunk is the service's: end the stream with done, cancel or error instead";
        }
        return "'" + type + "' is not a UI message chunk type of the AI SDK";
    }
}
