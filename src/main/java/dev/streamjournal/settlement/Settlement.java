package dev.streamjournal.settlement;

import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.streamjournal.journal.TerminalState;
import java.time.Instant;

/**
 * The settlement of a stream for a client that holds it. {@code transcript.messages} are the messages
 * of this stream's turn; {@code closed} tells that the stream takes no more events; {@code transcript.revision} is the session's, to tell whether a client's copy
 * of the whole session is current.
 */
public record Settlement(String streamId, String sessionId, Outcome outcome, TerminalState terminalState, int lastSeq,
        boolean closed, String currentStreamId, Transcript transcript, @JsonRawValue String error, Instant decidedAt) {

    /** The stream's turn in the transcript. */
    public record Transcript(long revision, @JsonRawValue String messages) {
    }
}
