package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Builds a stream's assistant message at its terminal event, without I/O.
 *
 * <p>{@code done.data.message} wins when given (an object, or a string taken as its content). Otherwise
 * the message is assembled from the journal: {@code content} is the concatenated {@code token} text,
 * {@code reasoning} the concatenated {@code reasoning} text, {@code toolCalls} the {@code tool} events
 * each with the {@code tool_complete} that answers it as {@code result} (matched by {@code id}, else in
 * order), and {@code usage} is {@code done.data.usage}.
 */
public final class TranscriptAssembler {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** A content event of the stream, in seq order. */
    public record ContentEvent(String type, JsonNode data) {
    }

    private TranscriptAssembler() {
    }

    /** The user message stored at stream creation: the given fields, role {@code user}, the stream id. */
    public static ObjectNode userMessage(String streamId, ObjectNode given) {
        ObjectNode message = JSON.objectNode();
        message.put("role", "user");
        message.put("streamId", streamId);
        given.fields().forEachRemaining(field -> {
            if (!field.getKey().equals("role") && !field.getKey().equals("streamId")) {
                message.set(field.getKey(), field.getValue());
            }
        });
        return message;
    }

    /**
     * The assistant message of a stream that became terminal.
     *
     * @param terminalData the data of the terminal event ({@code done}, {@code apperror}, ...), may be empty
     */
    public static ObjectNode assistantMessage(String streamId, TerminalState state, String terminalType,
            JsonNode terminalData, List<ContentEvent> events) {
        JsonNode given = "done".equals(terminalType) ? terminalData.path("message") : JSON.missingNode();
        ObjectNode message = JSON.objectNode();
        message.put("role", "assistant");
        message.put("streamId", streamId);
        if (given.isObject()) {
            given.fields().forEachRemaining(field -> message.set(field.getKey(), field.getValue()));
            message.put("role", "assistant");
            message.put("streamId", streamId);
        } else if (given.isTextual()) {
            message.put("content", given.asText());
        } else {
            assemble(message, events);
        }
        if (!message.has("content")) {
            message.put("content", "");
        }
        JsonNode usage = "done".equals(terminalType) ? terminalData.path("usage") : JSON.missingNode();
        if (!message.has("usage") && !usage.isMissingNode() && !usage.isNull()) {
            message.set("usage", usage);
        }
        message.put("terminalState", state.word());
        return message;
    }

    private static void assemble(ObjectNode message, List<ContentEvent> events) {
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        ArrayNode toolCalls = JSON.arrayNode();
        Deque<ObjectNode> open = new ArrayDeque<>();
        for (ContentEvent event : events) {
            switch (event.type()) {
                case "token" -> content.append(event.data().path("text").asText(""));
                case "reasoning" -> reasoning.append(event.data().path("text").asText(""));
                case "tool" -> {
                    ObjectNode call = event.data().isObject() ? ((ObjectNode) event.data()).deepCopy() : JSON.objectNode();
                    toolCalls.add(call);
                    open.add(call);
                }
                case "tool_complete" -> complete(open, toolCalls, event.data());
                default -> {
                }
            }
        }
        message.put("content", content.toString());
        if (!reasoning.isEmpty()) {
            message.put("reasoning", reasoning.toString());
        }
        if (!toolCalls.isEmpty()) {
            message.set("toolCalls", toolCalls);
        }
    }

    private static void complete(Deque<ObjectNode> open, ArrayNode toolCalls, JsonNode result) {
        JsonNode id = result.path("id");
        ObjectNode call = null;
        if (!id.isMissingNode() && !id.isNull()) {
            call = open.stream().filter(c -> id.equals(c.path("id"))).findFirst().orElse(null);
        } else if (!open.isEmpty()) {
            call = open.peekFirst();
        }
        if (call == null) {
            ObjectNode orphan = JSON.objectNode();
            orphan.set("result", result);
            toolCalls.add(orphan);
            return;
        }
        open.remove(call);
        call.set("result", result);
    }
}
