package dev.streamjournal.journal;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The event vocabulary of the journal: every accepted {@code type} belongs to exactly one class. */
public enum EventClass {
    /** Streamed content; refused once the stream is terminal. */
    CONTENT,
    /** Ends the turn and writes the transcript: {@code done}, {@code cancel}, {@code apperror}, {@code error}. */
    TERMINAL,
    /** Metadata that may follow the terminal event. */
    TRAILER,
    /** {@code stream_end}: closes the stream; terminal {@code completed} when nothing ended it before. */
    CLOSE;

    private static final Set<String> CONTENT_TYPES = Set.of("token", "reasoning", "interim_assistant", "tool",
            "tool_complete", "todo_state", "approval", "clarify", "compressing", "compressed", "goal");
    private static final Set<String> TERMINAL_TYPES = Set.of("done", "cancel", "apperror", "error");
    private static final Set<String> TRAILER_TYPES = Set.of("metering", "title", "title_status", "state_saved",
            "warning", "context_status");
    private static final Pattern EXTENSION_TYPE = Pattern.compile("x-[A-Za-z0-9._:-]{1,62}");

    public static final String STREAM_END = "stream_end";

    /**
     * A Durable Streams message ({@code /ds}): written only there, with its bytes beside the event; not
     * part of the vocabulary a native append accepts, but a type the audit can select.
     */
    public static final String DS_MESSAGE = "ds";

    /** True for a terminal event or {@code stream_end}: after it, the stream's settlement is no longer {@code active}. */
    public static boolean settles(String type) {
        return TERMINAL_TYPES.contains(type) || STREAM_END.equals(type);
    }

    /** The class of an event type, or empty when the type is not part of the vocabulary. */
    public static Optional<EventClass> of(String type) {
        if (type == null) {
            return Optional.empty();
        }
        if (CONTENT_TYPES.contains(type) || EXTENSION_TYPE.matcher(type).matches()) {
            return Optional.of(CONTENT);
        }
        if (TERMINAL_TYPES.contains(type)) {
            return Optional.of(TERMINAL);
        }
        if (TRAILER_TYPES.contains(type)) {
            return Optional.of(TRAILER);
        }
        if (STREAM_END.equals(type)) {
            return Optional.of(CLOSE);
        }
        return Optional.empty();
    }
}
