package dev.streamjournal.journal;

/** The locked stream row an append decides against; {@code stopRequested} when a reader asked its producer to stop. */
public record StreamState(String streamId, String sessionId, String tenant, int lastSeq, TerminalState terminalState,
        boolean closed, boolean stopRequested) {

    public StreamState(String streamId, String sessionId, String tenant, int lastSeq, TerminalState terminalState,
            boolean closed) {
        this(streamId, sessionId, tenant, lastSeq, terminalState, closed, false);
    }
}
