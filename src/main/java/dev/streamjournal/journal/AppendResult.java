package dev.streamjournal.journal;

/** The answer to an append; sent only after the batch committed. */
public record AppendResult(String streamId, int lastSeq, int appended, int duplicates, boolean terminal,
        TerminalState terminalState, boolean closed) {
}
