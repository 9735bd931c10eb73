package dev.streamjournal.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.journal.TerminalState;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The settlement decision, without I/O: the order of its rules (missing, stale, active, restored,
 * error) and what each outcome carries.
 */
class SettlementDecisionTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final String MESSAGES = "[{\"role\":\"user\"},{\"role\":\"assistant\"}]";

    private static SettlementFacts facts(TerminalState state, String current) {
        return new SettlementFacts("s1", "sess", 7, state, state == null ? null : 7, state != null, current, 12, state == null ? null : "{\"why\":1}", MESSAGES);
    }

    @Test
    void missing_whenNoStreamIsVisible() {
        Settlement settlement = SettlementDecision.decide("s1", null, NOW);
        assertThat(settlement.outcome()).isEqualTo(Outcome.MISSING);
        assertThat(settlement.streamId()).isEqualTo("s1");
        assertThat(settlement.sessionId()).isNull();
        assertThat(settlement.transcript()).isNull();
        assertThat(settlement.decidedAt()).isEqualTo(NOW);
    }

    @ParameterizedTest
    @CsvSource(value = {"NULL", "COMPLETED", "CANCELLED", "ERRORED", "INTERRUPTED", "SUPERSEDED"}, nullValues = "NULL")
    void stale_beatsEveryState_whenTheSessionHasANewerStream(TerminalState state) {
        Settlement settlement = SettlementDecision.decide("s1", facts(state, "s2"), NOW);
        assertThat(settlement.outcome()).isEqualTo(Outcome.STALE);
        assertThat(settlement.currentStreamId()).isEqualTo("s2");
        assertThat(settlement.transcript()).isNull();
        assertThat(settlement.error()).isNull();
    }

    @Test
    void active_whenCurrentAndNotTerminal() {
        Settlement settlement = SettlementDecision.decide("s1", facts(null, "s1"), NOW);
        assertThat(settlement.outcome()).isEqualTo(Outcome.ACTIVE);
        assertThat(settlement.lastSeq()).isEqualTo(7);
        assertThat(settlement.transcript()).isNull();
    }

    @ParameterizedTest
    @CsvSource({"COMPLETED", "CANCELLED"})
    void restored_whenCurrentAndCompletedOrCancelled_withTheCanonicalTranscript(TerminalState state) {
        Settlement settlement = SettlementDecision.decide("s1", facts(state, "s1"), NOW);
        assertThat(settlement.outcome()).isEqualTo(Outcome.RESTORED);
        assertThat(settlement.terminalState()).isEqualTo(state);
        assertThat(settlement.transcript().revision()).isEqualTo(12);
        assertThat(settlement.transcript().messages()).isEqualTo(MESSAGES);
        assertThat(settlement.error()).isNull();
    }

    @ParameterizedTest
    @CsvSource({"ERRORED", "INTERRUPTED"})
    void error_whenCurrentAndErroredOrInterrupted_withTheTerminalDataAndPartialTranscript(TerminalState state) {
        Settlement settlement = SettlementDecision.decide("s1", facts(state, "s1"), NOW);
        assertThat(settlement.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(settlement.error()).isEqualTo("{\"why\":1}");
        assertThat(settlement.transcript().messages()).isEqualTo(MESSAGES);
    }
}
