package dev.streamjournal.settlement;

import dev.streamjournal.journal.TerminalState;
import java.time.Instant;

/** Decides a settlement from the facts of one snapshot, without I/O. The order of the rules is the contract. */
public final class SettlementDecision {

    private SettlementDecision() {
    }

    /**
     * @param streamId the stream the client holds
     * @param facts    the facts, or null when no such stream is visible to the caller
     */
    public static Settlement decide(String streamId, SettlementFacts facts, Instant now) {
        if (facts == null) {
            return new Settlement(streamId, null, Outcome.MISSING, null, 0, false, null, null, null, now);
        }
        TerminalState state = facts.terminalState();
        Outcome outcome;
        if (!streamId.equals(facts.currentStreamId())) {
            outcome = Outcome.STALE;
        } else if (state == null) {
            outcome = Outcome.ACTIVE;
        } else if (state.settlesRestored()) {
            outcome = Outcome.RESTORED;
        } else {
            outcome = Outcome.ERROR;
        }
        Settlement.Transcript transcript = outcome == Outcome.RESTORED || outcome == Outcome.ERROR
                ? new Settlement.Transcript(facts.revision(), facts.messages())
                : null;
        String error = outcome == Outcome.ERROR ? facts.terminalData() : null;
        return new Settlement(streamId, facts.sessionId(), outcome, state, facts.lastSeq(), facts.closed(),
                facts.currentStreamId(),
                transcript, error, now);
    }
}
