package dev.streamjournal.aisdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The mapping of journal events to AI SDK UI chunks, and the message those chunks build: runs of tokens
 * and reasoning as parts, explicit parts from {@code x-ai-sdk}, tools, every terminal state and a stale
 * end, nothing for trailers, never a chunk the client would reject, and the same chunks on every replay.
 */
class UiChunksTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The chunks of events given as {@code type data} lines, seqs from 1, as compact JSON lines. */
    private static List<String> chunks(String... events) {
        UiChunks chunks = new UiChunks("st");
        List<String> out = new ArrayList<>();
        out.add(chunks.start().toString());
        int seq = 0;
        for (String event : events) {
            int space = event.indexOf(' ');
            String type = space < 0 ? event : event.substring(0, space);
            JsonNode data = space < 0 ? JSON.createObjectNode() : json(event.substring(space + 1));
            chunks.event(type, ++seq, data).forEach(chunk -> out.add(chunk.toString()));
        }
        return out;
    }

    @Test
    void runsOfTokensAreOneTextPart_reasoningItsOwn_andDoneFinishes() {
        assertThat(chunks("reasoning {\"text\":\"think\"}", "token {\"text\":\"Hel\"}", "token {\"text\":\"lo\"}",
                "metering {\"tokens\":3}", "done {}")).containsExactly(
                "{\"type\":\"start\",\"messageId\":\"st\"}",
                "{\"type\":\"reasoning-start\",\"id\":\"reasoning-1\"}",
                "{\"type\":\"reasoning-delta\",\"id\":\"reasoning-1\",\"delta\":\"think\"}",
                "{\"type\":\"reasoning-end\",\"id\":\"reasoning-1\"}",
                "{\"type\":\"text-start\",\"id\":\"text-2\"}",
                "{\"type\":\"text-delta\",\"id\":\"text-2\",\"delta\":\"Hel\"}",
                "{\"type\":\"text-delta\",\"id\":\"text-2\",\"delta\":\"lo\"}",
                "{\"type\":\"text-end\",\"id\":\"text-2\"}",
                "{\"type\":\"finish\",\"finishReason\":\"stop\"}");
    }

    @Test
    void toolsBecomeInputAndOutput_matchedByIdOrInOrder_andAnUnknownAnswerIsDropped() {
        assertThat(chunks("tool {\"id\":\"c1\",\"name\":\"weather\",\"args\":{\"city\":\"Oslo\"}}",
                "tool_complete {\"result\":{\"temp\":3}}",
                "tool_complete {\"id\":\"nobody\",\"result\":1}",
                "tool {\"name\":\"search\",\"input\":{\"q\":\"x\"},\"providerExecuted\":true,\"status\":\"ignored\"}",
                "tool_complete {\"id\":\"tool-4\",\"errorText\":\"no network\"}",
                "done {\"finishReason\":\"tool-calls\"}")).containsExactly(
                "{\"type\":\"start\",\"messageId\":\"st\"}",
                "{\"type\":\"tool-input-available\",\"toolCallId\":\"c1\",\"toolName\":\"weather\",\"input\":{\"city\":\"Oslo\"}}",
                "{\"type\":\"tool-output-available\",\"toolCallId\":\"c1\",\"output\":{\"temp\":3}}",
                "{\"type\":\"tool-input-available\",\"toolCallId\":\"tool-4\",\"toolName\":\"search\",\"input\":{\"q\":\"x\"},\"providerExecuted\":true}",
                "{\"type\":\"tool-output-error\",\"toolCallId\":\"tool-4\",\"errorText\":\"no network\"}",
                "{\"type\":\"finish\",\"finishReason\":\"tool-calls\"}");
    }

    @Test
    void explicitPartsFromTheAiSdkKeepTheirIds_andOpenPartsEndBeforeTheFinish() {
        assertThat(chunks("x-ai-sdk {\"type\":\"start-step\"}",
                "x-ai-sdk {\"type\":\"text-start\",\"id\":\"a\"}",
                "token {\"text\":\"one \",\"id\":\"a\"}",
                "x-ai-sdk {\"type\":\"source-url\",\"sourceId\":\"s1\",\"url\":\"https://example.org\"}",
                "token {\"text\":\"two\",\"id\":\"a\"}",
                "x-ai-sdk {\"type\":\"text-delta\",\"id\":\"never-opened\",\"delta\":\"x\"}",
                "x-ai-sdk {\"type\":\"data-weather\",\"id\":\"w\",\"data\":{\"t\":1}}",
                "cancel {\"reason\":\"user stop\"}")).containsExactly(
                "{\"type\":\"start\",\"messageId\":\"st\"}",
                "{\"type\":\"start-step\"}",
                "{\"type\":\"text-start\",\"id\":\"a\"}",
                "{\"type\":\"text-delta\",\"id\":\"a\",\"delta\":\"one \"}",
                "{\"type\":\"source-url\",\"sourceId\":\"s1\",\"url\":\"https://example.org\"}",
                "{\"type\":\"text-delta\",\"id\":\"a\",\"delta\":\"two\"}",
                "{\"type\":\"data-weather\",\"id\":\"w\",\"data\":{\"t\":1}}",
                "{\"type\":\"text-end\",\"id\":\"a\"}",
                "{\"type\":\"abort\",\"reason\":\"user stop\"}",
                "{\"type\":\"finish\"}");
    }

    @Test
    void errorsFinishWithError_interruptionsWithInterrupted_otherContentAsDataParts() {
        assertThat(chunks("token {\"text\":\"par\"}", "todo_state {\"items\":[]}", "apperror {\"message\":\"boom\"}"))
                .containsExactly(
                        "{\"type\":\"start\",\"messageId\":\"st\"}",
                        "{\"type\":\"text-start\",\"id\":\"text-1\"}",
                        "{\"type\":\"text-delta\",\"id\":\"text-1\",\"delta\":\"par\"}",
                        "{\"type\":\"text-end\",\"id\":\"text-1\"}",
                        "{\"type\":\"data-todo_state\",\"data\":{\"items\":[]}}",
                        "{\"type\":\"error\",\"errorText\":\"boom\"}",
                        "{\"type\":\"finish\",\"finishReason\":\"error\"}");
        assertThat(chunks("token {\"text\":\"par\"}", "apperror {\"type\":\"interrupted\",\"synthetic\":true}",
                "token {\"text\":\"after the end\"}"))
                .endsWith("{\"type\":\"text-end\",\"id\":\"text-1\"}",
                        "{\"type\":\"finish\",\"finishReason\":\"interrupted\"}");
        assertThat(chunks("token {\"text\":\"a\"}", "stream_end")).last()
                .isEqualTo("{\"type\":\"finish\",\"finishReason\":\"stop\"}");
    }

    @Test
    void aStaleStreamEndsInterrupted_aVanishedOneWithAnError_andAnActiveSettlementIsNothing() {
        UiChunks stale = new UiChunks("st");
        stale.event("token", 1, json("{\"text\":\"old\"}"));
        assertThat(stale.settlement(json("{\"outcome\":\"active\"}"))).isEmpty();
        assertThat(stale.settlement(json("{\"outcome\":\"stale\",\"currentStreamId\":\"st2\"}")).toString())
                .isEqualTo("[{\"type\":\"text-end\",\"id\":\"text-1\"}, {\"type\":\"finish\",\"finishReason\":\"interrupted\"}]");
        assertThat(stale.finished()).isTrue();
        assertThat(stale.event("token", 2, json("{\"text\":\"new turn\"}"))).isEmpty();

        UiChunks missing = new UiChunks("st");
        assertThat(missing.settlement(json("{\"outcome\":\"missing\"}")).toString())
                .isEqualTo("[{\"type\":\"error\",\"errorText\":\"stream st no longer exists\"},"
                        + " {\"type\":\"finish\",\"finishReason\":\"error\"}]");
    }

    @Test
    void theMessageBuiltFromTheChunksIsWhatTheClientBuilds() {
        UiChunks chunks = new UiChunks("st");
        UiMessageBuilder message = new UiMessageBuilder("st").apply(List.of(chunks.start()));
        String[] events = {
            "x-ai-sdk {\"type\":\"start-step\"}",
            "x-ai-sdk {\"type\":\"reasoning-start\",\"id\":\"r\"}",
            "reasoning {\"text\":\"hm\",\"id\":\"r\"}",
            "x-ai-sdk {\"type\":\"reasoning-end\",\"id\":\"r\"}",
            "x-ai-sdk {\"type\":\"tool-input-start\",\"toolCallId\":\"c\",\"toolName\":\"weather\"}",
            "x-ai-sdk {\"type\":\"tool-input-delta\",\"toolCallId\":\"c\",\"inputTextDelta\":\"{\\\"city\\\":\"}",
            "tool {\"id\":\"c\",\"name\":\"weather\",\"input\":{\"city\":\"Oslo\"}}",
            "tool_complete {\"id\":\"c\",\"output\":{\"temp\":3}}",
            "x-ai-sdk {\"type\":\"data-weather\",\"id\":\"w\",\"data\":{\"v\":1}}",
            "x-ai-sdk {\"type\":\"data-weather\",\"id\":\"w\",\"data\":{\"v\":2}}",
            "x-ai-sdk {\"type\":\"data-note\",\"data\":1,\"transient\":true}",
            "x-ai-sdk {\"type\":\"message-metadata\",\"messageMetadata\":{\"a\":{\"b\":1}}}",
            "token {\"text\":\"It is 3.\"}",
            "done {\"messageMetadata\":{\"a\":{\"c\":2}}}",
        };
        int seq = 0;
        for (String event : events) {
            int space = event.indexOf(' ');
            message.apply(chunks.event(event.substring(0, space), ++seq, json(event.substring(space + 1))));
        }
        ObjectNode built = message.message();
        assertThat(built.toString()).isEqualTo("{\"id\":\"st\",\"role\":\"assistant\",\"parts\":["
                + "{\"type\":\"step-start\"},"
                + "{\"type\":\"reasoning\",\"id\":\"r\",\"text\":\"hm\",\"state\":\"done\"},"
                + "{\"type\":\"tool-weather\",\"toolCallId\":\"c\",\"state\":\"output-available\",\"input\":{\"city\":\"Oslo\"},"
                + "\"output\":{\"temp\":3}},"
                + "{\"type\":\"data-weather\",\"id\":\"w\",\"data\":{\"v\":2}},"
                + "{\"type\":\"text\",\"text\":\"It is 3.\",\"state\":\"done\"}],"
                + "\"metadata\":{\"a\":{\"b\":1,\"c\":2}}}");
    }

    @Test
    void everyReplayOfAJournalGivesTheSameChunks() {
        String[] events = {"token {\"text\":\"a\"}", "tool {\"name\":\"t\"}", "token {\"text\":\"b\"}", "done {}"};
        assertThat(chunks(events)).isEqualTo(chunks(events));
    }

    @Test
    void aToolAnsweringNull_keepsNull_andExtrasOfTheWrongTypeAreLeftOut() {
        assertThat(chunks("tool {\"id\":\"c\",\"name\":\"t\",\"title\":5,\"dynamic\":\"yes\",\"providerMetadata\":\"x\"}",
                "tool_complete {\"id\":\"c\",\"output\":null}")).containsExactly(
                "{\"type\":\"start\",\"messageId\":\"st\"}",
                "{\"type\":\"tool-input-available\",\"toolCallId\":\"c\",\"toolName\":\"t\",\"input\":{}}",
                "{\"type\":\"tool-output-available\",\"toolCallId\":\"c\",\"output\":null}");
    }

    @Test
    void aResetStep_dropsTheStepsPartsAndCalls_andAToolInputDeltaNeedsItsStart() {
        assertThat(chunks("x-ai-sdk {\"type\":\"start-step\"}",
                "x-ai-sdk {\"type\":\"text-start\",\"id\":\"a\"}",
                "tool {\"id\":\"c\",\"name\":\"t\"}",
                "x-ai-sdk {\"type\":\"tool-input-delta\",\"toolCallId\":\"c\",\"inputTextDelta\":\"{\"}",
                "x-ai-sdk {\"type\":\"reset-step\"}",
                "tool_complete {\"id\":\"c\",\"output\":1}",
                "x-ai-sdk {\"type\":\"text-end\",\"id\":\"a\"}",
                "done {}")).containsExactly(
                "{\"type\":\"start\",\"messageId\":\"st\"}",
                "{\"type\":\"start-step\"}",
                "{\"type\":\"text-start\",\"id\":\"a\"}",
                "{\"type\":\"tool-input-available\",\"toolCallId\":\"c\",\"toolName\":\"t\",\"input\":{}}",
                "{\"type\":\"reset-step\"}",
                "{\"type\":\"finish\",\"finishReason\":\"stop\"}");
    }
}
