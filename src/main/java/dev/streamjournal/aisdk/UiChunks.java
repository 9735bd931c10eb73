package dev.streamjournal.aisdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.journal.AiSdkChunk;
import dev.streamjournal.journal.EventClass;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One stream's journal as AI SDK UI message chunks, without I/O: fed the stream's events in seq order (and
 * its settlement frames), it answers the chunks each one becomes. The same journal always gives the same
 * chunks, so every replay of a stream is the same message. The mapping (see docs/api.md):
 * <ul>
 * <li>the message starts with {@code start} {messageId = the stream id};</li>
 * <li>a run of {@code token} events is one text part ({@code text-start}, {@code text-delta}s,
 * {@code text-end}); a token whose {@code data.id} names a text part an {@code x-ai-sdk text-start} opened
 * goes into that part; {@code reasoning} likewise;</li>
 * <li>{@code tool} is {@code tool-input-available}, {@code tool_complete} is {@code tool-output-available}
 * (or {@code tool-output-error} with {@code errorText});</li>
 * <li>{@code x-ai-sdk} is its chunk, unchanged;</li>
 * <li>the other content events are data parts {@code data-<type>};</li>
 * <li>{@code done} is {@code finish} (its {@code finishReason}, else stop); {@code cancel} is {@code abort}
 * and {@code finish}; an error is {@code error} and {@code finish} {error}; an interruption (a lost lease,
 * or a stale stream: a newer turn took the session) is {@code finish} {interrupted};</li>
 * <li>trailers are nothing.</li>
 * </ul>
 * It never sends a chunk the client would reject: no delta or end of a part that is not open, no tool
 * output for a call it has not seen. Every open part is ended before {@code finish}.
 */
final class UiChunks {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final Set<String> FINISH_REASONS = Set.of("stop", "length", "content-filter", "tool-calls", "error",
            "interrupted", "other");
    private static final List<String> TOOL_INPUT_EXTRAS = List.of("providerExecuted", "providerMetadata",
            "toolMetadata", "dynamic", "title");
    private static final List<String> TOOL_OUTPUT_EXTRAS = List.of("providerExecuted", "providerMetadata",
            "toolMetadata", "dynamic", "preliminary");

    private final String streamId;
    /** The text and reasoning parts opened by runs of events without a part id, or null. */
    private String runText;
    private String runReasoning;
    /** The parts opened by {@code x-ai-sdk} starts, in the order they opened. */
    private final Set<String> openText = new LinkedHashSet<>();
    private final Set<String> openReasoning = new LinkedHashSet<>();
    private final Set<String> toolCalls = new HashSet<>();
    private final Deque<String> unanswered = new ArrayDeque<>();
    private final Set<String> approvals = new HashSet<>();
    /** The calls whose input streams ({@code tool-input-start}), and the calls of the current step. */
    private final Set<String> inputStarted = new HashSet<>();
    private final Set<String> stepCalls = new HashSet<>();
    private boolean finished;

    UiChunks(String streamId) {
        this.streamId = streamId;
    }

    /** True once {@code finish} was sent: nothing follows it. */
    boolean finished() {
        return finished;
    }

    /** The first chunk of the message. */
    ObjectNode start() {
        return chunk("start").put("messageId", streamId);
    }

    /** The chunks of one journal event. */
    List<ObjectNode> event(String type, int seq, JsonNode data) {
        List<ObjectNode> chunks = new ArrayList<>(2);
        if (finished) {
            return chunks;
        }
        JsonNode body = data == null || !data.isObject() ? JSON.objectNode() : data;
        switch (type) {
            case "token" -> delta(chunks, body, seq, true);
            case "reasoning" -> delta(chunks, body, seq, false);
            case "tool" -> tool(chunks, body, seq);
            case "tool_complete" -> toolComplete(chunks, body);
            case AiSdkChunk.EVENT_TYPE -> passThrough(chunks, body);
            case "done" -> {
                String reason = body.path("finishReason").asText("");
                finish(chunks, FINISH_REASONS.contains(reason) ? reason : "stop", body.get("messageMetadata"));
            }
            case "cancel" -> cancel(chunks, body);
            case "apperror", "error" -> {
                if ("interrupted".equals(body.path("type").asText())) {
                    finish(chunks, "interrupted", null);
                } else {
                    fail(chunks, errorText(body));
                }
            }
            case EventClass.STREAM_END -> finish(chunks, "stop", null);
            default -> {
                if (EventClass.of(type).orElse(null) == EventClass.CONTENT) {
                    endRuns(chunks);
                    ObjectNode part = chunk("data-" + type);
                    part.set("data", body);
                    chunks.add(part);
                }
            }
        }
        return chunks;
    }

    /** The chunks of a settlement frame: the end of a stream that turned stale or vanished. */
    List<ObjectNode> settlement(JsonNode settlement) {
        List<ObjectNode> chunks = new ArrayList<>(2);
        if (finished) {
            return chunks;
        }
        switch (settlement.path("outcome").asText()) {
            case "stale" -> finish(chunks, "interrupted", null);
            case "missing" -> fail(chunks, "stream " + streamId + " no longer exists");
            case "restored", "error" -> {
                // the terminal event ends the message before its settlement; this is a stream ended without one
                switch (settlement.path("terminalState").asText()) {
                    case "completed" -> finish(chunks, "stop", null);
                    case "cancelled" -> cancel(chunks, JSON.objectNode());
                    case "errored" -> fail(chunks, errorText(settlement.path("error")));
                    default -> finish(chunks, "interrupted", null);
                }
            }
            default -> {
            }
        }
        return chunks;
    }

    private void delta(List<ObjectNode> chunks, JsonNode data, int seq, boolean text) {
        Set<String> open = text ? openText : openReasoning;
        String partId = data.path("id").isTextual() ? data.path("id").asText() : null;
        String id;
        if (partId != null && open.contains(partId)) {
            endRuns(chunks);
            id = partId;
        } else {
            if (text) {
                endReasoningRun(chunks);
                if (runText == null) {
                    runText = "text-" + seq;
                    chunks.add(chunk("text-start").put("id", runText));
                }
                id = runText;
            } else {
                endTextRun(chunks);
                if (runReasoning == null) {
                    runReasoning = partId != null ? partId : "reasoning-" + seq;
                    chunks.add(chunk("reasoning-start").put("id", runReasoning));
                }
                id = runReasoning;
            }
        }
        ObjectNode delta = chunk(text ? "text-delta" : "reasoning-delta").put("id", id)
                .put("delta", data.path("text").asText(""));
        copy(data, delta, List.of("providerMetadata"));
        chunks.add(delta);
    }

    private void tool(List<ObjectNode> chunks, JsonNode data, int seq) {
        endRuns(chunks);
        String id = text(data, "id", text(data, "toolCallId", "tool-" + seq));
        ObjectNode call = chunk("tool-input-available").put("toolCallId", id)
                .put("toolName", text(data, "name", text(data, "toolName", "tool")));
        JsonNode input = first(data, "input", "args", "arguments");
        call.set("input", input == null ? JSON.objectNode() : input);
        copy(data, call, TOOL_INPUT_EXTRAS);
        chunks.add(call);
        if (toolCalls.add(id)) {
            unanswered.add(id);
        }
        stepCalls.add(id);
    }

    private void toolComplete(List<ObjectNode> chunks, JsonNode data) {
        endRuns(chunks);
        String id = text(data, "id", text(data, "toolCallId", unanswered.peekFirst()));
        if (id == null || !toolCalls.contains(id)) {
            return;
        }
        unanswered.remove(id);
        JsonNode output = first(data, "output", "result");
        if (output == null && data.path("errorText").isTextual()) {
            ObjectNode error = chunk("tool-output-error").put("toolCallId", id)
                    .put("errorText", data.path("errorText").asText());
            copy(data, error, TOOL_OUTPUT_EXTRAS.subList(0, 4));
            chunks.add(error);
            return;
        }
        ObjectNode result = chunk("tool-output-available").put("toolCallId", id);
        if (output == null) {
            ObjectNode rest = ((ObjectNode) data).deepCopy();
            rest.remove(List.of("id", "toolCallId"));
            output = rest;
        }
        result.set("output", output);
        copy(data, result, TOOL_OUTPUT_EXTRAS);
        chunks.add(result);
    }

    /** An {@code x-ai-sdk} chunk, as it is, unless the client would reject it where it stands. */
    private void passThrough(List<ObjectNode> chunks, JsonNode data) {
        if (AiSdkChunk.problem(data) != null) {
            return;
        }
        ObjectNode chunk = ((ObjectNode) data).deepCopy();
        String type = chunk.path("type").asText();
        String id = chunk.path("id").asText(null);
        String toolCallId = chunk.path("toolCallId").asText(null);
        boolean fits = switch (type) {
            case "text-start" -> id != null && openText.add(id);
            case "text-delta" -> openText.contains(id);
            case "text-end" -> openText.remove(id);
            case "reasoning-start" -> id != null && openReasoning.add(id);
            case "reasoning-delta" -> openReasoning.contains(id);
            case "reasoning-end" -> openReasoning.remove(id);
            case "tool-input-start", "tool-input-available", "tool-input-error" -> {
                if (toolCalls.add(toolCallId)) {
                    unanswered.add(toolCallId);
                }
                stepCalls.add(toolCallId);
                if (type.equals("tool-input-start")) {
                    inputStarted.add(toolCallId);
                }
                yield true;
            }
            case "start-step" -> {
                stepCalls.clear();
                yield true;
            }
            case "reset-step" -> {
                // the client drops the step's parts and its open parts: nothing of them may follow
                openText.clear();
                openReasoning.clear();
                toolCalls.removeAll(stepCalls);
                unanswered.removeAll(stepCalls);
                inputStarted.removeAll(stepCalls);
                stepCalls.clear();
                yield true;
            }
            case "tool-output-available", "tool-output-error", "tool-output-denied" -> {
                if (!chunk.path("preliminary").asBoolean(false)) {
                    unanswered.remove(toolCallId);
                }
                yield toolCalls.contains(toolCallId);
            }
            case "tool-input-delta" -> inputStarted.contains(toolCallId);
            case "tool-approval-request" -> toolCalls.contains(toolCallId)
                    && approvals.add(chunk.path("approvalId").asText(""));
            case "tool-approval-response" -> approvals.contains(chunk.path("approvalId").asText(""));
            default -> true;
        };
        if (fits) {
            endRuns(chunks);
            chunks.add(chunk);
        }
    }

    private void cancel(List<ObjectNode> chunks, JsonNode data) {
        endParts(chunks);
        ObjectNode abort = chunk("abort");
        if (data.path("reason").isTextual()) {
            abort.put("reason", data.path("reason").asText());
        }
        chunks.add(abort);
        finish(chunks, null, null);
    }

    private void fail(List<ObjectNode> chunks, String errorText) {
        endParts(chunks);
        chunks.add(chunk("error").put("errorText", errorText));
        finish(chunks, "error", null);
    }

    private void finish(List<ObjectNode> chunks, String reason, JsonNode metadata) {
        endParts(chunks);
        ObjectNode finish = chunk("finish");
        if (reason != null) {
            finish.put("finishReason", reason);
        }
        if (metadata != null && !metadata.isNull()) {
            finish.set("messageMetadata", metadata);
        }
        chunks.add(finish);
        finished = true;
    }

    private void endParts(List<ObjectNode> chunks) {
        endRuns(chunks);
        for (String id : openText) {
            chunks.add(chunk("text-end").put("id", id));
        }
        for (String id : openReasoning) {
            chunks.add(chunk("reasoning-end").put("id", id));
        }
        openText.clear();
        openReasoning.clear();
    }

    private void endRuns(List<ObjectNode> chunks) {
        endTextRun(chunks);
        endReasoningRun(chunks);
    }

    private void endTextRun(List<ObjectNode> chunks) {
        if (runText != null) {
            chunks.add(chunk("text-end").put("id", runText));
            runText = null;
        }
    }

    private void endReasoningRun(List<ObjectNode> chunks) {
        if (runReasoning != null) {
            chunks.add(chunk("reasoning-end").put("id", runReasoning));
            runReasoning = null;
        }
    }

    private static String errorText(JsonNode data) {
        for (String field : List.of("errorText", "message", "error")) {
            if (data.path(field).isTextual()) {
                return data.path(field).asText();
            }
        }
        return "the stream failed";
    }

    private static ObjectNode chunk(String type) {
        return JSON.objectNode().put("type", type);
    }

    private static String text(JsonNode data, String field, String otherwise) {
        return data.path(field).isTextual() ? data.path(field).asText() : otherwise;
    }

    /** The first of the fields the data has (a JSON null counts: a tool may answer null). */
    private static JsonNode first(JsonNode data, String... fields) {
        for (String field : fields) {
            if (data.has(field)) {
                return data.get(field);
            }
        }
        return null;
    }

    /** Copies the fields whose value has the type the client's schema wants; others would break the chat. */
    private static void copy(JsonNode from, ObjectNode to, List<String> fields) {
        for (String field : fields) {
            JsonNode value = from.get(field);
            boolean fits = value != null && switch (field) {
                case "providerMetadata", "toolMetadata" -> value.isObject();
                case "title" -> value.isTextual();
                default -> value.isBoolean();
            };
            if (fits) {
                to.set(field, value);
            }
        }
    }
}
