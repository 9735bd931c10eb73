package dev.streamjournal.settlement;

import dev.streamjournal.journal.TerminalState;

/**
 * What the settlement of one stream is decided from, read in one snapshot.
 *
 * @param closed          true once {@code stream_end} closed the stream (or it was superseded)
 * @param terminalSeq     the seq of the terminal event (null while active, and for a superseded stream)
 * @param currentStreamId the newest stream of the session
 * @param terminalData    the data of the stream's terminal event as JSON text, or null
 * @param messages        the stream's transcript messages (user, assistant) as a JSON array text
 */
public record SettlementFacts(String streamId, String sessionId, int lastSeq, TerminalState terminalState,
        Integer terminalSeq, boolean closed, String currentStreamId, long revision, String terminalData, String messages) {
}
