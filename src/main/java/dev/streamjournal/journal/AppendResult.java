package dev.streamjournal.journal;

/**
 * The answer to an append; sent only after the batch committed. {@code stopRequested}: a reader asked
 * the producer to stop ({@code POST /v1/streams/{id}/stop}); it should end the stream with {@code cancel}.
 */
public record AppendResult(String streamId, int lastSeq, int appended, int duplicates, boolean terminal,
        TerminalState terminalState, boolean closed, boolean stopRequested) {
}
