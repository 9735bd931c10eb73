package dev.streamjournal.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.common.ProblemException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The append decisions, without I/O: the numbering of a batch, duplicates and conflicts of explicit
 * seqs, gaps, the event classes and what a batch does to its stream.
 */
class AppendPlanTest {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final StreamState FRESH = new StreamState("st", "s", "default", 0, null, false);

    private static EventInput token(Long seq) {
        return new EventInput(seq, "token", null);
    }

    @Test
    void lastSeqBefore_isWhereTheStreamMustEnd_forABatchToSimplyContinueIt() {
        assertThat(AppendPlan.lastSeqBefore(List.of(token(null), token(null)))).isNull();
        assertThat(AppendPlan.lastSeqBefore(List.of(token(5L), token(6L)))).isEqualTo(4);
        assertThat(AppendPlan.lastSeqBefore(List.of(token(null), token(6L), token(null)))).isEqualTo(4);
        assertThat(AppendPlan.lastSeqBefore(List.of(token(1L)))).isZero();
        // not consecutive, before seq 1, or beyond an integer: only the general path can answer
        assertThat(AppendPlan.lastSeqBefore(List.of(token(5L), token(7L)))).isEqualTo(AppendPlan.CANNOT_CONTINUE);
        assertThat(AppendPlan.lastSeqBefore(List.of(token(null), token(1L)))).isEqualTo(AppendPlan.CANNOT_CONTINUE);
        assertThat(AppendPlan.lastSeqBefore(List.of(token((long) Integer.MAX_VALUE + 1))))
                .isEqualTo(AppendPlan.CANNOT_CONTINUE);
    }

    @Test
    void aContinuingBatch_isNumberedUpToTheStreamsNewLastSeq_andKnowsWhetherItHoldsContent() {
        List<EventInput> batch = List.of(token(null), new EventInput(null, "title", null));
        assertThat(AppendPlan.continuing(batch, 7)).extracting(AppendPlan.NewEvent::seq).containsExactly(6, 7);
        assertThat(AppendPlan.continuing(batch, 7)).extracting(AppendPlan.NewEvent::eventClass)
                .containsExactly(EventClass.CONTENT, EventClass.TRAILER);
        assertThat(AppendPlan.continuing(batch, 7).get(0).data()).isEqualTo(data("{}"));
        assertThat(AppendPlan.holdsContent(batch)).isTrue();
        assertThat(AppendPlan.holdsContent(List.of(new EventInput(null, "title", null)))).isFalse();
    }

    private static ObjectNode data(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static EventInput event(Long seq, String type, String json) {
        return new EventInput(seq, type, json == null ? null : data(json));
    }

    private static StreamState at(int lastSeq, TerminalState state, boolean closed) {
        return new StreamState("st", "s", "default", lastSeq, state, closed);
    }

    private static String slugOf(Runnable action) {
        try {
            action.run();
        } catch (ProblemException e) {
            return e.status() + " " + e.slug();
        }
        return "accepted";
    }

    @Test
    void implicitSeqs_followLastSeq() {
        AppendPlan plan = AppendPlan.decide(at(4, null, false),
                List.of(event(null, "token", "{\"text\":\"a\"}"), event(null, "token", "{\"text\":\"b\"}")), Map.of());

        assertThat(plan.inserts()).extracting(AppendPlan.NewEvent::seq).containsExactly(5, 6);
        assertThat(plan.lastSeq(at(4, null, false))).isEqualTo(6);
        assertThat(plan.duplicates()).isZero();
        assertThat(plan.terminalState()).isNull();
    }

    @Test
    void explicitSeq_belowNext_withSameContent_isDuplicate_evenWithKeysReordered() {
        StreamState stream = at(2, null, false);
        Map<Integer, StoredEvent> stored = Map.of(2, new StoredEvent(2, "token", data("{\"a\":1,\"b\":2}")));

        AppendPlan plan = AppendPlan.decide(stream,
                List.of(event(2L, "token", "{\"b\":2,\"a\":1}"), event(3L, "token", "{}")), stored);

        assertThat(plan.duplicates()).isEqualTo(1);
        assertThat(plan.inserts()).extracting(AppendPlan.NewEvent::seq).containsExactly(3);
    }

    @Test
    void aRetry_whoseNumbersJsonbRewrote_isDuplicate() {
        // stored as jsonb gives them back: 1e+20 as 100000000000000000000, 1E3 as 1000, 1.50 kept
        Map<Integer, StoredEvent> stored = Map.of(1, new StoredEvent(1, "token",
                data("{\"big\":100000000000000000000,\"k\":1000,\"f\":1.50,\"list\":[1,2.0]}")));

        AppendPlan plan = AppendPlan.decide(at(1, null, false),
                List.of(event(1L, "token", "{\"list\":[1.0,2],\"f\":1.5,\"k\":1E3,\"big\":1e+20}")), stored);

        assertThat(plan.duplicates()).isEqualTo(1);
        assertThat(plan.inserts()).isEmpty();
    }

    @Test
    void aRetry_withAnotherNumber_orANumberForAString_isSeqConflict() {
        Map<Integer, StoredEvent> stored = Map.of(1, new StoredEvent(1, "token", data("{\"k\":1000}")));
        assertThat(slugOf(() -> AppendPlan.decide(at(1, null, false),
                List.of(event(1L, "token", "{\"k\":1E3001}")), stored))).isEqualTo("409 seq-conflict");
        assertThat(slugOf(() -> AppendPlan.decide(at(1, null, false),
                List.of(event(1L, "token", "{\"k\":\"1000\"}")), stored))).isEqualTo("409 seq-conflict");
    }

    @Test
    void explicitSeq_belowNext_withOtherContent_isSeqConflict() {
        Map<Integer, StoredEvent> stored = Map.of(1, new StoredEvent(1, "token", data("{\"text\":\"a\"}")));
        assertThat(slugOf(() -> AppendPlan.decide(at(1, null, false),
                List.of(event(1L, "token", "{\"text\":\"b\"}")), stored))).isEqualTo("409 seq-conflict");
        assertThat(slugOf(() -> AppendPlan.decide(at(1, null, false),
                List.of(event(1L, "reasoning", "{\"text\":\"a\"}")), stored))).isEqualTo("409 seq-conflict");
    }

    @Test
    void explicitSeq_beyondNext_isSeqGap() {
        assertThat(slugOf(() -> AppendPlan.decide(FRESH, List.of(event(2L, "token", "{}")), Map.of())))
                .isEqualTo("409 seq-gap");
        assertThat(slugOf(() -> AppendPlan.decide(FRESH,
                List.of(event(1L, "token", "{}"), event(3L, "token", "{}")), Map.of()))).isEqualTo("409 seq-gap");
    }

    @Test
    void duplicateWithinOneBatch_isCountedOnce() {
        AppendPlan plan = AppendPlan.decide(FRESH,
                List.of(event(1L, "token", "{\"text\":\"a\"}"), event(1L, "token", "{\"text\":\"a\"}")), Map.of());
        assertThat(plan.inserts()).hasSize(1);
        assertThat(plan.duplicates()).isEqualTo(1);
    }

    @Test
    void terminalEvents_mapToTheirStates() {
        assertThat(AppendPlan.decide(FRESH, List.of(event(null, "done", null)), Map.of()).terminalState())
                .isEqualTo(TerminalState.COMPLETED);
        assertThat(AppendPlan.decide(FRESH, List.of(event(null, "cancel", null)), Map.of()).terminalState())
                .isEqualTo(TerminalState.CANCELLED);
        assertThat(AppendPlan.decide(FRESH, List.of(event(null, "apperror", "{\"message\":\"x\"}")), Map.of())
                .terminalState()).isEqualTo(TerminalState.ERRORED);
        assertThat(AppendPlan.decide(FRESH, List.of(event(null, "error", "{\"type\":\"interrupted\"}")), Map.of())
                .terminalState()).isEqualTo(TerminalState.INTERRUPTED);
    }

    @Test
    void streamEnd_withoutTerminal_meansCompleted_andCloses() {
        AppendPlan plan = AppendPlan.decide(at(3, null, false), List.of(event(null, "stream_end", null)), Map.of());
        assertThat(plan.terminalState()).isEqualTo(TerminalState.COMPLETED);
        assertThat(plan.terminalEvent().seq()).isEqualTo(4);
        assertThat(plan.closes()).isTrue();
    }

    @Test
    void streamEnd_afterTerminal_closesWithoutNewTerminalEvent() {
        AppendPlan plan = AppendPlan.decide(at(3, TerminalState.CANCELLED, false),
                List.of(event(null, "stream_end", null)), Map.of());
        assertThat(plan.terminalState()).isEqualTo(TerminalState.CANCELLED);
        assertThat(plan.terminalEvent()).isNull();
        assertThat(plan.closes()).isTrue();
    }

    @Test
    void afterTerminal_contentAndSecondTerminalAreRefused_trailersAccepted() {
        StreamState done = at(3, TerminalState.COMPLETED, false);
        assertThat(slugOf(() -> AppendPlan.decide(done, List.of(event(null, "token", "{}")), Map.of())))
                .isEqualTo("409 stream-terminal");
        assertThat(slugOf(() -> AppendPlan.decide(done, List.of(event(null, "done", "{}")), Map.of())))
                .isEqualTo("409 stream-terminal");
        assertThat(slugOf(() -> AppendPlan.decide(done, List.of(event(null, "x-custom", "{}")), Map.of())))
                .isEqualTo("409 stream-terminal");
        assertThat(slugOf(() -> AppendPlan.decide(done,
                List.of(event(null, "title", "{}"), event(null, "metering", "{}"), event(null, "warning", "{}")),
                Map.of()))).isEqualTo("accepted");
    }

    @Test
    void contentAfterTerminalInTheSameBatch_refusesTheWholeBatch() {
        assertThat(slugOf(() -> AppendPlan.decide(FRESH,
                List.of(event(null, "token", "{}"), event(null, "done", "{}"), event(null, "token", "{}")), Map.of())))
                .isEqualTo("409 stream-terminal");
    }

    @Test
    void afterClose_everyNewEventIsStreamClosed_butRetriesAreStillDuplicates() {
        StreamState closed = at(2, TerminalState.COMPLETED, true);
        assertThat(slugOf(() -> AppendPlan.decide(closed, List.of(event(null, "title", "{}")), Map.of())))
                .isEqualTo("409 stream-closed");
        assertThat(slugOf(() -> AppendPlan.decide(closed, List.of(event(null, "stream_end", "{}")), Map.of())))
                .isEqualTo("409 stream-closed");
        Map<Integer, StoredEvent> stored = Map.of(2, new StoredEvent(2, "stream_end", data("{}")));
        AppendPlan retry = AppendPlan.decide(closed, List.of(event(2L, "stream_end", null)), stored);
        assertThat(retry.duplicates()).isEqualTo(1);
        assertThat(retry.inserts()).isEmpty();
    }

    @Test
    void eventAfterStreamEndInTheSameBatch_isStreamClosed() {
        assertThat(slugOf(() -> AppendPlan.decide(FRESH,
                List.of(event(null, "stream_end", "{}"), event(null, "title", "{}")), Map.of())))
                .isEqualTo("409 stream-closed");
    }

    @Test
    void retriedSeqs_areTheExplicitSeqsTheJournalMayHold() {
        List<EventInput> batch = List.of(event(1L, "token", "{}"), event(null, "token", "{}"),
                event(3L, "token", "{}"), event(4L, "token", "{}"));
        assertThat(AppendPlan.retriedSeqs(at(3, null, false), batch)).containsExactly(1, 3);
    }

    @Test
    void validateShape_refusesBadEventsAndOversizedBatches() {
        assertThatThrownBy(() -> AppendPlan.validateShape(List.of(), 10, 100))
                .hasFieldOrPropertyWithValue("slug", "invalid-request");
        assertThatThrownBy(() -> AppendPlan.validateShape(List.of(event(null, "nope", null)), 10, 100))
                .hasFieldOrPropertyWithValue("slug", "invalid-event");
        assertThatThrownBy(() -> AppendPlan.validateShape(List.of(event(0L, "token", null)), 10, 100))
                .hasFieldOrPropertyWithValue("slug", "invalid-event");
        assertThatThrownBy(() -> AppendPlan.validateShape(
                List.of(new EventInput(null, "token", JSON.getNodeFactory().arrayNode())), 10, 100))
                .hasFieldOrPropertyWithValue("slug", "invalid-event");
        assertThatThrownBy(() -> AppendPlan.validateShape(
                List.of(event(null, "token", "{\"text\":\"" + "é".repeat(60) + "\"}")), 10, 100))
                .hasFieldOrPropertyWithValue("slug", "payload-too-large");
        assertThatThrownBy(() -> AppendPlan.validateShape(
                List.of(event(null, "token", null), event(null, "token", null)), 1, 100))
                .hasFieldOrPropertyWithValue("slug", "payload-too-large");
    }

    @Test
    void eventClass_knowsTheVocabulary() {
        assertThat(EventClass.of("token")).contains(EventClass.CONTENT);
        assertThat(EventClass.of("x-citation")).contains(EventClass.CONTENT);
        assertThat(EventClass.of("x-")).isEmpty();
        assertThat(EventClass.of("done")).contains(EventClass.TERMINAL);
        assertThat(EventClass.of("title_status")).contains(EventClass.TRAILER);
        assertThat(EventClass.of("stream_end")).contains(EventClass.CLOSE);
        assertThat(EventClass.of("Token")).isEmpty();
        assertThat(EventClass.of(null)).isEmpty();
    }
}
