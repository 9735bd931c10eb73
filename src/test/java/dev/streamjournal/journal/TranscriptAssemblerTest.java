package dev.streamjournal.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.journal.TranscriptAssembler.ContentEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The assistant message assembled from the journal, without I/O: content from tokens, reasoning, tool
 * calls matched with their results by id or else the oldest open call, usage and terminal state; a
 * message given in done.
 */
class TranscriptAssemblerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ContentEvent event(String type, String data) {
        return new ContentEvent(type, json(data));
    }

    @Test
    void assembles_contentReasoningToolCallsAndUsage_fromTheJournal() {
        ObjectNode message = TranscriptAssembler.assistantMessage("st", TerminalState.COMPLETED, "done",
                json("{\"usage\":{\"in\":3,\"out\":5}}"),
                List.of(event("reasoning", "{\"text\":\"think \"}"),
                        event("token", "{\"text\":\"Hel\"}"),
                        event("tool", "{\"id\":\"t1\",\"name\":\"search\"}"),
                        event("tool", "{\"id\":\"t2\",\"name\":\"read\"}"),
                        event("tool_complete", "{\"id\":\"t2\",\"ok\":true}"),
                        event("tool_complete", "{\"id\":\"t1\",\"ok\":false}"),
                        event("reasoning", "{\"text\":\"more\"}"),
                        event("token", "{\"text\":\"lo\"}")));

        assertThat(message.path("role").asText()).isEqualTo("assistant");
        assertThat(message.path("streamId").asText()).isEqualTo("st");
        assertThat(message.path("content").asText()).isEqualTo("Hello");
        assertThat(message.path("reasoning").asText()).isEqualTo("think more");
        assertThat(message.path("toolCalls")).hasSize(2);
        assertThat(message.path("toolCalls").get(0).path("name").asText()).isEqualTo("search");
        assertThat(message.path("toolCalls").get(0).path("result").path("ok").asBoolean()).isFalse();
        assertThat(message.path("toolCalls").get(1).path("result").path("ok").asBoolean()).isTrue();
        assertThat(message.path("usage")).isEqualTo(json("{\"in\":3,\"out\":5}"));
        assertThat(message.path("terminalState").asText()).isEqualTo("completed");
    }

    @Test
    void toolCompletesWithoutIds_answerTheOldestOpenCall() {
        ObjectNode message = TranscriptAssembler.assistantMessage("st", TerminalState.COMPLETED, "done", json("{}"),
                List.of(event("tool", "{\"name\":\"a\"}"), event("tool", "{\"name\":\"b\"}"),
                        event("tool_complete", "{\"r\":1}"), event("tool_complete", "{\"r\":2}"),
                        event("tool_complete", "{\"r\":3}")));

        assertThat(message.path("toolCalls")).hasSize(3);
        assertThat(message.path("toolCalls").get(0).path("result").path("r").asInt()).isEqualTo(1);
        assertThat(message.path("toolCalls").get(1).path("result").path("r").asInt()).isEqualTo(2);
        assertThat(message.path("toolCalls").get(2).path("name").isMissingNode()).isTrue();
        assertThat(message.path("toolCalls").get(2).path("result").path("r").asInt()).isEqualTo(3);
    }

    @Test
    void doneMessage_winsOverTheJournal() {
        ObjectNode message = TranscriptAssembler.assistantMessage("st", TerminalState.COMPLETED, "done",
                json("{\"message\":{\"content\":\"final\",\"role\":\"system\",\"extra\":1},\"usage\":{\"t\":1}}"),
                List.of(event("token", "{\"text\":\"draft\"}")));

        assertThat(message.path("content").asText()).isEqualTo("final");
        assertThat(message.path("role").asText()).isEqualTo("assistant");
        assertThat(message.path("extra").asInt()).isEqualTo(1);
        assertThat(message.path("usage").path("t").asInt()).isEqualTo(1);
    }

    @Test
    void doneMessageAsString_isTheContent() {
        ObjectNode message = TranscriptAssembler.assistantMessage("st", TerminalState.COMPLETED, "done",
                json("{\"message\":\"final\"}"), List.of(event("token", "{\"text\":\"draft\"}")));
        assertThat(message.path("content").asText()).isEqualTo("final");
    }

    @Test
    void errorTerminal_savesThePartialMessage_withoutUsage() {
        ObjectNode message = TranscriptAssembler.assistantMessage("st", TerminalState.INTERRUPTED, "apperror",
                json("{\"type\":\"interrupted\",\"usage\":{\"x\":1}}"), List.of(event("token", "{\"text\":\"par\"}")));
        assertThat(message.path("content").asText()).isEqualTo("par");
        assertThat(message.has("usage")).isFalse();
        assertThat(message.has("reasoning")).isFalse();
        assertThat(message.has("toolCalls")).isFalse();
        assertThat(message.path("terminalState").asText()).isEqualTo("interrupted");
    }

    @Test
    void emptyStream_givesAnEmptyContent() {
        ObjectNode message = TranscriptAssembler.assistantMessage("st", TerminalState.SUPERSEDED, null, json("{}"),
                List.of());
        assertThat(message.path("content").asText()).isEmpty();
        assertThat(message.path("terminalState").asText()).isEqualTo("superseded");
    }

    @Test
    void userMessage_keepsExtraFields_butRoleAndStreamIdAreTheService() {
        ObjectNode message = TranscriptAssembler.userMessage("st",
                (ObjectNode) json("{\"content\":\"hi\",\"role\":\"assistant\",\"streamId\":\"x\",\"files\":[1]}"));
        assertThat(message.path("role").asText()).isEqualTo("user");
        assertThat(message.path("streamId").asText()).isEqualTo("st");
        assertThat(message.path("content").asText()).isEqualTo("hi");
        assertThat(message.path("files").get(0).asInt()).isEqualTo(1);
    }
}
