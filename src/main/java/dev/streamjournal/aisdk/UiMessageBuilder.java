package dev.streamjournal.aisdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@code UIMessage} that the AI SDK's client builds from the same chunks (its
 * {@code processUIMessageStream} in {@code ai} 7), without I/O, so that a transcript read as
 * {@code UIMessage}s equals what a replay of the stream draws. A field the client leaves undefined is
 * absent here, as in the client's JSON.
 */
final class UiMessageBuilder {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper PARSER = new ObjectMapper();

    /** A tool call whose input is still streaming. */
    private static final class PartialCall {
        final StringBuilder text = new StringBuilder();
        String inputEncoding;
        String toolName;
        boolean dynamic;
        JsonNode title;
        JsonNode toolMetadata;
    }

    private final ObjectNode message = JSON.objectNode();
    private final ArrayNode parts;
    private final Map<String, ObjectNode> activeText = new HashMap<>();
    private final Map<String, ObjectNode> activeReasoning = new HashMap<>();
    private final Map<String, PartialCall> partialCalls = new HashMap<>();

    UiMessageBuilder(String messageId) {
        message.put("id", messageId);
        message.put("role", "assistant");
        parts = message.putArray("parts");
    }

    ObjectNode message() {
        return message;
    }

    /** Applies the chunks in order. */
    UiMessageBuilder apply(List<ObjectNode> chunks) {
        chunks.forEach(this::apply);
        return this;
    }

    void apply(ObjectNode chunk) {
        String type = chunk.path("type").asText();
        switch (type) {
            case "text-start" -> {
                ObjectNode part = JSON.objectNode().put("type", "text").put("text", "");
                set(part, "providerMetadata", chunk.get("providerMetadata"));
                part.put("state", "streaming");
                activeText.put(chunk.path("id").asText(), part);
                parts.add(part);
            }
            case "text-delta", "reasoning-delta" -> {
                ObjectNode part = (type.startsWith("text") ? activeText : activeReasoning).get(chunk.path("id").asText());
                if (part != null) {
                    part.put("text", part.path("text").asText() + chunk.path("delta").asText());
                    keep(part, "providerMetadata", chunk.get("providerMetadata"));
                }
            }
            case "text-end", "reasoning-end" -> {
                ObjectNode part = (type.startsWith("text") ? activeText : activeReasoning).remove(chunk.path("id").asText());
                if (part != null) {
                    part.put("state", "done");
                    if (type.startsWith("text") && chunk.hasNonNull("citations")) {
                        part.set("citations", chunk.get("citations"));
                    }
                    keep(part, "providerMetadata", chunk.get("providerMetadata"));
                }
            }
            case "reasoning-start" -> {
                ObjectNode part = JSON.objectNode().put("type", "reasoning").put("id", chunk.path("id").asText())
                        .put("text", "");
                set(part, "providerMetadata", chunk.get("providerMetadata"));
                part.put("state", "streaming");
                activeReasoning.put(chunk.path("id").asText(), part);
                parts.add(part);
            }
            case "custom" -> {
                ObjectNode part = JSON.objectNode().put("type", "custom");
                part.set("kind", chunk.get("kind"));
                set(part, "providerMetadata", chunk.get("providerMetadata"));
                parts.add(part);
            }
            case "file", "reasoning-file" -> parts.add(pick(chunk, "type", "mediaType", "url", "providerMetadata"));
            case "source-url" -> parts.add(pick(chunk, "type", "sourceId", "url", "title", "providerMetadata"));
            case "source-document" -> parts.add(pick(chunk, "type", "sourceId", "mediaType", "title", "filename",
                    "providerMetadata"));
            case "steering-message" -> parts.add(pick(chunk, "type", "id", "parts"));
            case "tool-input-start" -> toolInputStart(chunk);
            case "tool-input-delta" -> toolInputDelta(chunk);
            case "tool-input-available" -> updateTool(chunk.path("dynamic").asBoolean(false), null, tool(chunk,
                    "input-available", chunk.get("input"), null, null, null, chunk.get("title"), chunk.get("toolMetadata")));
            case "tool-input-error" -> {
                ObjectNode existing = currentStepTool(chunk.path("toolCallId").asText());
                boolean dynamic = existing != null ? "dynamic-tool".equals(existing.path("type").asText())
                        : chunk.path("dynamic").asBoolean(false);
                Call call = tool(chunk, "output-error", chunk.get("input"), null, chunk.get("errorText"), null, null,
                        chunk.get("toolMetadata"));
                updateTool(dynamic, null, call);
            }
            case "tool-approval-request" -> {
                ObjectNode invocation = invocation(chunk.path("toolCallId").asText());
                if (invocation != null) {
                    invocation.put("state", "approval-requested");
                    ObjectNode approval = JSON.objectNode().put("id", chunk.path("approvalId").asText());
                    set(approval, "descriptor", chunk.get("approvalDescriptor"));
                    if (chunk.has("inputSchemaInput")) {
                        approval.set("inputSchemaInput", chunk.get("inputSchemaInput"));
                    }
                    set(approval, "requestReason", chunk.get("reason"));
                    if (chunk.path("isAutomatic").asBoolean(false)) {
                        approval.put("isAutomatic", true);
                    }
                    set(approval, "signature", chunk.get("signature"));
                    invocation.set("approval", approval);
                }
            }
            case "tool-approval-response" -> approvalResponse(chunk);
            case "tool-output-denied" -> {
                ObjectNode invocation = invocation(chunk.path("toolCallId").asText());
                if (invocation != null) {
                    invocation.put("state", "output-denied");
                }
            }
            case "tool-output-available", "tool-output-error" -> toolOutput(chunk, type.endsWith("available"));
            case "start-step" -> parts.add(JSON.objectNode().put("type", "step-start"));
            case "reset-step" -> {
                int start = currentStepStart();
                while (parts.size() > start) {
                    parts.remove(parts.size() - 1);
                }
                activeText.clear();
                activeReasoning.clear();
                partialCalls.clear();
            }
            case "start", "finish", "message-metadata" -> {
                if (type.equals("start") && chunk.path("messageId").isTextual()) {
                    message.put("id", chunk.path("messageId").asText());
                }
                JsonNode metadata = chunk.get("messageMetadata");
                if (metadata != null && !metadata.isNull()) {
                    JsonNode base = message.get("metadata");
                    message.set("metadata", base == null ? metadata.deepCopy() : merge(base, metadata));
                }
            }
            default -> {
                if (type.startsWith("data-") && !chunk.path("transient").asBoolean(false)) {
                    data(chunk);
                }
            }
        }
    }

    /** What a tool chunk sets on its part; null fields are left undefined. */
    private record Call(String toolCallId, String toolName, String state, JsonNode input, JsonNode output,
            JsonNode errorText, JsonNode rawInput, JsonNode inputEncoding, JsonNode preliminary, JsonNode providerExecuted,
            JsonNode providerMetadata, JsonNode title, JsonNode toolMetadata) {
    }

    private static Call tool(ObjectNode chunk, String state, JsonNode input, JsonNode output, JsonNode errorText,
            JsonNode preliminary, JsonNode title, JsonNode toolMetadata) {
        return new Call(chunk.path("toolCallId").asText(), chunk.path("toolName").asText(), state, input, output,
                errorText, null, null, preliminary, chunk.get("providerExecuted"), chunk.get("providerMetadata"), title,
                toolMetadata);
    }

    private void toolInputStart(ObjectNode chunk) {
        PartialCall partial = new PartialCall();
        partial.inputEncoding = chunk.path("inputEncoding").asText(null);
        partial.toolName = chunk.path("toolName").asText();
        partial.dynamic = chunk.path("dynamic").asBoolean(false);
        partial.title = chunk.get("title");
        partial.toolMetadata = chunk.get("toolMetadata");
        partialCalls.put(chunk.path("toolCallId").asText(), partial);
        updateTool(partial.dynamic, null, new Call(chunk.path("toolCallId").asText(), partial.toolName, "input-streaming",
                null, null, null, null, chunk.get("inputEncoding"), null, chunk.get("providerExecuted"),
                chunk.get("providerMetadata"), chunk.get("title"), chunk.get("toolMetadata")));
    }

    private void toolInputDelta(ObjectNode chunk) {
        PartialCall partial = partialCalls.get(chunk.path("toolCallId").asText());
        if (partial == null) {
            return;
        }
        partial.text.append(chunk.path("inputTextDelta").asText());
        String text = partial.text.toString();
        JsonNode input = "text".equals(partial.inputEncoding) ? JSON.textNode(text) : parsedOrNull(text);
        updateTool(partial.dynamic, null, new Call(chunk.path("toolCallId").asText(), partial.toolName, "input-streaming",
                input, null, null, JSON.textNode(text),
                partial.inputEncoding == null ? null : JSON.textNode(partial.inputEncoding), null, null, null,
                partial.title, partial.toolMetadata));
    }

    private void toolOutput(ObjectNode chunk, boolean available) {
        ObjectNode invocation = invocation(chunk.path("toolCallId").asText());
        if (invocation == null) {
            return;
        }
        boolean dynamic = "dynamic-tool".equals(invocation.path("type").asText());
        String toolName = dynamic ? invocation.path("toolName").asText()
                : invocation.path("type").asText().substring("tool-".length());
        JsonNode toolMetadata = chunk.hasNonNull("toolMetadata") ? chunk.get("toolMetadata") : invocation.get("toolMetadata");
        JsonNode rawInput = !available && !dynamic ? invocation.get("rawInput") : null;
        updateTool(dynamic, invocation, new Call(chunk.path("toolCallId").asText(), toolName,
                available ? "output-available" : "output-error", invocation.get("input"),
                available ? chunk.get("output") : null, available ? null : chunk.get("errorText"), rawInput, null,
                available ? chunk.get("preliminary") : null, chunk.get("providerExecuted"), chunk.get("providerMetadata"),
                invocation.get("title"), toolMetadata));
    }

    private void approvalResponse(ObjectNode chunk) {
        String approvalId = chunk.path("approvalId").asText();
        for (JsonNode part : parts) {
            if (isTool(part) && approvalId.equals(part.path("approval").path("id").asText(null))) {
                ObjectNode invocation = (ObjectNode) part;
                ObjectNode approval = ((ObjectNode) invocation.get("approval")).deepCopy();
                invocation.put("state", "approval-responded");
                approval.put("id", approvalId);
                approval.set("approved", chunk.get("approved"));
                keep(approval, "reason", chunk.get("reason"));
                invocation.set("approval", approval);
                keep(invocation, "providerExecuted", chunk.get("providerExecuted"));
                keep(invocation, "callProviderMetadata", chunk.get("providerMetadata"));
                return;
            }
        }
    }

    /** The client's {@code updateToolPart} / {@code updateDynamicToolPart}. */
    private void updateTool(boolean dynamic, ObjectNode existing, Call call) {
        ObjectNode part = existing;
        if (part == null) {
            for (JsonNode candidate : currentStepParts()) {
                boolean kind = dynamic ? "dynamic-tool".equals(candidate.path("type").asText())
                        : candidate.path("type").asText().startsWith("tool-");
                if (kind && call.toolCallId().equals(candidate.path("toolCallId").asText())) {
                    part = (ObjectNode) candidate;
                    break;
                }
            }
        }
        boolean result = call.state().equals("output-available") || call.state().equals("output-error");
        if (part != null) {
            part.put("state", call.state());
            if (dynamic) {
                part.put("toolName", call.toolName());
            } else {
                part.put("type", "tool-" + call.toolName());
            }
            set(part, "input", call.input());
            set(part, "output", call.output());
            set(part, "errorText", call.errorText());
            set(part, "rawInput", call.rawInput());
            set(part, "inputEncoding", call.inputEncoding());
            set(part, "preliminary", call.preliminary());
            if (call.title() != null) {
                part.set("title", call.title());
            }
            if (call.toolMetadata() != null) {
                part.set("toolMetadata", call.toolMetadata());
            }
            keep(part, "providerExecuted", call.providerExecuted());
            if (call.providerMetadata() != null && !call.providerMetadata().isNull()) {
                part.set(result ? "resultProviderMetadata" : "callProviderMetadata", call.providerMetadata());
            }
            return;
        }
        ObjectNode added = JSON.objectNode();
        if (dynamic) {
            added.put("type", "dynamic-tool").put("toolName", call.toolName());
        } else {
            added.put("type", "tool-" + call.toolName());
        }
        added.put("toolCallId", call.toolCallId()).put("state", call.state());
        set(added, "title", call.title());
        set(added, "toolMetadata", call.toolMetadata());
        set(added, "input", call.input());
        set(added, "inputEncoding", call.inputEncoding());
        set(added, "output", call.output());
        set(added, "rawInput", call.rawInput());
        set(added, "errorText", call.errorText());
        set(added, "providerExecuted", call.providerExecuted());
        set(added, "preliminary", call.preliminary());
        set(added, result ? "resultProviderMetadata" : "callProviderMetadata", call.providerMetadata());
        parts.add(added);
    }

    private void data(ObjectNode chunk) {
        String id = chunk.path("id").asText(null);
        if (id != null) {
            for (JsonNode part : parts) {
                if (chunk.path("type").asText().equals(part.path("type").asText()) && id.equals(part.path("id").asText(null))) {
                    ((ObjectNode) part).set("data", chunk.get("data"));
                    return;
                }
            }
        }
        parts.add(chunk.deepCopy());
    }

    private int currentStepStart() {
        int index = parts.size() - 1;
        while (index >= 0 && !"step-start".equals(parts.get(index).path("type").asText())) {
            index--;
        }
        return index + 1;
    }

    private List<JsonNode> currentStepParts() {
        List<JsonNode> step = new ArrayList<>();
        for (int i = currentStepStart(); i < parts.size(); i++) {
            step.add(parts.get(i));
        }
        return step;
    }

    private ObjectNode currentStepTool(String toolCallId) {
        for (JsonNode part : currentStepParts()) {
            if (isTool(part) && toolCallId.equals(part.path("toolCallId").asText())) {
                return (ObjectNode) part;
            }
        }
        return null;
    }

    /** The client's {@code getToolInvocation}: in the current step, else the last with that id. */
    private ObjectNode invocation(String toolCallId) {
        ObjectNode found = currentStepTool(toolCallId);
        for (int i = parts.size() - 1; found == null && i >= 0; i--) {
            if (isTool(parts.get(i)) && toolCallId.equals(parts.get(i).path("toolCallId").asText())) {
                found = (ObjectNode) parts.get(i);
            }
        }
        return found;
    }

    private static boolean isTool(JsonNode part) {
        String type = part.path("type").asText();
        return type.startsWith("tool-") || type.equals("dynamic-tool");
    }

    private static JsonNode parsedOrNull(String text) {
        try {
            return PARSER.readTree(text);
        } catch (Exception incomplete) {
            return null;
        }
    }

    /** The client's {@code mergeObjects}: objects merged field by field, anything else replaced. */
    static JsonNode merge(JsonNode base, JsonNode overrides) {
        if (!base.isObject() || !overrides.isObject()) {
            return overrides.deepCopy();
        }
        ObjectNode result = ((ObjectNode) base).deepCopy();
        Iterator<Map.Entry<String, JsonNode>> fields = overrides.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode current = result.get(field.getKey());
            result.set(field.getKey(), current != null && current.isObject() && field.getValue().isObject()
                    ? merge(current, field.getValue()) : field.getValue().deepCopy());
        }
        return result;
    }

    private static ObjectNode pick(ObjectNode chunk, String... fields) {
        ObjectNode part = JSON.objectNode();
        for (String field : fields) {
            set(part, field, chunk.get(field));
        }
        return part;
    }

    /** Sets a field, or removes it for a value the client would leave undefined. */
    private static void set(ObjectNode part, String field, JsonNode value) {
        if (value == null || value.isMissingNode()) {
            part.remove(field);
        } else {
            part.set(field, value);
        }
    }

    /** {@code part.field = value ?? part.field}. */
    private static void keep(ObjectNode part, String field, JsonNode value) {
        if (value != null && !value.isNull() && !value.isMissingNode()) {
            part.set(field, value);
        }
    }
}
