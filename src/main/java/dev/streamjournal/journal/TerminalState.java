package dev.streamjournal.journal;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;

/** How a stream ended. */
public enum TerminalState {
    COMPLETED("completed", "completed"),
    CANCELLED("cancelled", "interrupted-by-user"),
    ERRORED("errored", "errored"),
    /** The lease expired: the producer vanished. */
    INTERRUPTED("interrupted", "interrupted-by-crash"),
    /** A newer stream took the session with {@code onActive=interrupt}. */
    SUPERSEDED("superseded", "interrupted-by-user");

    private final String word;
    private final String hermesWord;

    TerminalState(String word, String hermesWord) {
        this.word = word;
        this.hermesWord = hermesWord;
    }

    @JsonValue
    public String word() {
        return word;
    }

    /** True when the turn ended as it should ({@code completed}, {@code cancelled}): it settles {@code restored}. */
    public boolean settlesRestored() {
        return this == COMPLETED || this == CANCELLED;
    }

    /** The word hermes-webui uses for this state in its stream status. */
    public String hermesWord() {
        return hermesWord;
    }

    public static TerminalState fromWord(String word) {
        if (word == null) {
            return null;
        }
        for (TerminalState state : values()) {
            if (state.word.equals(word)) {
                return state;
            }
        }
        throw new IllegalArgumentException("unknown terminal state " + word);
    }

    /** The state a terminal event of this type and data puts its stream in. */
    public static TerminalState ofTerminalEvent(String type, JsonNode data) {
        return switch (type) {
            case "done" -> COMPLETED;
            case "cancel" -> CANCELLED;
            case "apperror", "error" -> data != null && "interrupted".equals(data.path("type").asText(null))
                    ? INTERRUPTED
                    : ERRORED;
            default -> throw new IllegalArgumentException(type + " is not a terminal event type");
        };
    }
}
