package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.common.StorableJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one append batch does to a stream, decided without I/O: which events are new (with their
 * seq), which are retried duplicates, and whether the batch makes the stream terminal or closes it.
 * A batch that breaks a rule is refused whole with the problem of the first offending event.
 *
 * @param inserts       the events to write, in seq order
 * @param duplicates    events that repeat what the journal already holds (ignored)
 * @param terminalState the state after the batch (unchanged when the batch holds no terminal event)
 * @param terminalEvent the terminal event this batch adds, or null
 * @param closes        true when this batch adds {@code stream_end}
 */
public record AppendPlan(List<NewEvent> inserts, int duplicates, TerminalState terminalState,
        NewEvent terminalEvent, boolean closes) {

    /** An event the batch adds at {@code seq}. */
    public record NewEvent(int seq, String type, ObjectNode data, EventClass eventClass) {
    }

    public int lastSeq(StreamState before) {
        return inserts.isEmpty() ? before.lastSeq() : inserts.get(inserts.size() - 1).seq();
    }

    /** {@link #lastSeqBefore}: the batch's explicit seqs cannot simply continue any stream. */
    public static final int CANNOT_CONTINUE = -1;

    /**
     * Where a stream must end for this batch to simply continue it, from the batch's explicit seqs (each
     * the next one): null when it has none; {@link #CANNOT_CONTINUE} when they are not consecutive or out
     * of range (the general path then decides: duplicates, conflicts, gaps).
     */
    public static Integer lastSeqBefore(List<EventInput> batch) {
        Long before = null;
        for (int i = 0; i < batch.size(); i++) {
            Long seq = batch.get(i).seq();
            if (seq == null) {
                continue;
            }
            long candidate = seq - (i + 1);
            if (before != null && before != candidate) {
                return CANNOT_CONTINUE;
            }
            before = candidate;
        }
        if (before == null) {
            return null;
        }
        return before < 0 || before + batch.size() > Integer.MAX_VALUE ? CANNOT_CONTINUE : (int) (long) before;
    }

    /** True when the batch holds a content event (which a terminal stream refuses). */
    public static boolean holdsContent(List<EventInput> batch) {
        return batch.stream().anyMatch(event -> EventClass.of(event.type()).orElseThrow() == EventClass.CONTENT);
    }

    /** The events of a batch that continues a stream, numbered so that the last one is {@code lastSeq}. */
    public static List<NewEvent> continuing(List<EventInput> batch, int lastSeq) {
        int first = lastSeq - batch.size() + 1;
        List<NewEvent> events = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            EventInput event = batch.get(i);
            events.add(new NewEvent(first + i, event.type(), dataOf(event), EventClass.of(event.type()).orElseThrow()));
        }
        return events;
    }

    /** The explicit seqs of a batch that the journal may already hold, to load before {@link #decide}. */
    public static List<Integer> retriedSeqs(StreamState stream, List<EventInput> batch) {
        List<Integer> seqs = new ArrayList<>();
        for (EventInput event : batch) {
            if (event.seq() != null && event.seq() >= 1 && event.seq() <= stream.lastSeq()) {
                seqs.add(event.seq().intValue());
            }
        }
        return seqs;
    }

    /**
     * Decides a batch against the locked stream. {@code stored} holds the journal's events for the
     * batch's {@link #retriedSeqs}. Event shapes must already be valid ({@link #validateShape}).
     */
    public static AppendPlan decide(StreamState stream, List<EventInput> batch, Map<Integer, StoredEvent> stored) {
        Map<Integer, StoredEvent> known = new HashMap<>(stored);
        List<NewEvent> inserts = new ArrayList<>();
        int next = stream.lastSeq() + 1;
        int duplicates = 0;
        TerminalState terminalState = stream.terminalState();
        NewEvent terminalEvent = null;
        boolean closed = stream.closed();
        boolean closes = false;

        for (EventInput input : batch) {
            ObjectNode data = dataOf(input);
            if (input.seq() != null && input.seq() < next) {
                int seq = input.seq().intValue();
                StoredEvent previous = known.get(seq);
                if (previous != null && previous.type().equals(input.type()) && sameValue(previous.data(), data)) {
                    duplicates++;
                    continue;
                }
                throw new ProblemException(409, "seq-conflict", "Sequence conflict",
                        "seq " + seq + " already holds a different event", Map.of("seq", seq));
            }
            if (input.seq() != null && input.seq() > next) {
                throw new ProblemException(409, "seq-gap", "Sequence gap",
                        "seq " + input.seq() + " leaves a gap; the next seq is " + next,
                        Map.of("seq", input.seq(), "expectedSeq", next));
            }
            if (closed) {
                throw new ProblemException(409, "stream-closed", "Stream closed",
                        "stream " + stream.streamId() + " is closed; it accepts no more events",
                        terminalState == null ? Map.of("streamId", stream.streamId())
                                : Map.of("streamId", stream.streamId(), "terminalState", terminalState.word()));
            }
            EventClass eventClass = EventClass.of(input.type()).orElseThrow();
            if (terminalState != null && (eventClass == EventClass.CONTENT || eventClass == EventClass.TERMINAL)) {
                throw new ProblemException(409, "stream-terminal", "Stream terminal",
                        "stream " + stream.streamId() + " is terminal (" + terminalState.word()
                                + "); only trailers and stream_end are accepted",
                        Map.of("streamId", stream.streamId(), "terminalState", terminalState.word()));
            }
            NewEvent event = new NewEvent(next, input.type(), data, eventClass);
            if (eventClass == EventClass.TERMINAL) {
                terminalState = TerminalState.ofTerminalEvent(input.type(), data);
                terminalEvent = event;
            } else if (eventClass == EventClass.CLOSE) {
                if (terminalState == null) {
                    terminalState = TerminalState.COMPLETED;
                    terminalEvent = event;
                }
                closed = true;
                closes = true;
            }
            inserts.add(event);
            known.put(next, new StoredEvent(next, input.type(), data));
            next++;
        }
        return new AppendPlan(List.copyOf(inserts), duplicates, terminalState, terminalEvent, closes);
    }

    /** Checks what can be checked of a batch without the stream: types, seqs, data shape and sizes. */
    public static void validateShape(List<EventInput> batch, int maxEvents, int maxDataBytes) {
        if (batch == null || batch.isEmpty()) {
            throw ProblemException.invalidRequest("events must be a non-empty array");
        }
        if (batch.size() > maxEvents) {
            throw ProblemException.tooLarge("a batch holds at most " + maxEvents + " events");
        }
        for (int i = 0; i < batch.size(); i++) {
            EventInput event = batch.get(i);
            if (event == null) {
                throw ProblemException.invalidEvent("events[" + i + "] must be an object");
            }
            if (EventClass.of(event.type()).isEmpty()) {
                throw ProblemException.invalidEvent("events[" + i + "].type '" + event.type() + "' is not an event type");
            }
            if (event.seq() != null && event.seq() < 1) {
                throw ProblemException.invalidEvent("events[" + i + "].seq must be 1 or more");
            }
            if (event.data() != null && !event.data().isNull() && !event.data().isObject()) {
                throw ProblemException.invalidEvent("events[" + i + "].data must be a JSON object");
            }
            if (AiSdkChunk.EVENT_TYPE.equals(event.type()) && AiSdkChunk.problem(event.data()) != null) {
                throw ProblemException.invalidEvent("events[" + i + "]: " + AiSdkChunk.problem(event.data()));
            }
            if (event.data() != null && event.data().toString().getBytes(StandardCharsets.UTF_8).length > maxDataBytes) {
                throw ProblemException.tooLarge("events[" + i + "].data exceeds " + maxDataBytes + " bytes");
            }
            String unstorable = StorableJson.problem(event.data(), "events[" + i + "].data");
            if (unstorable != null) {
                throw ProblemException.invalidEvent(unstorable);
            }
        }
    }

    /** Leaf values are the same as jsonb compares them: numbers by value ({@code 1E3} = {@code 1000}, {@code 1.50} = {@code 1.5}). */
    private static final Comparator<JsonNode> JSONB_EQUALITY = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    /**
     * True when two event data are equal as jsonb holds them: what the journal stored (jsonb rewrites
     * numbers, {@code 1e+20} becomes {@code 100000000000000000000}) and what a retry sends compare as
     * the same value, key order aside.
     */
    static boolean sameValue(JsonNode stored, JsonNode sent) {
        return stored.equals(JSONB_EQUALITY, sent);
    }

    /** The data of an event as stored: absent and null become the empty object. */
    static ObjectNode dataOf(EventInput input) {
        JsonNode data = input.data();
        return data instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode();
    }
}
