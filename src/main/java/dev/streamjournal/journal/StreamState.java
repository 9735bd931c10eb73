package dev.streamjournal.journal;

/** The locked stream row an append decides against. */
public record StreamState(String streamId, String sessionId, String tenant, int lastSeq, TerminalState terminalState,
        boolean closed) {
}
