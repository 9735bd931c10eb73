package dev.streamjournal.aisdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.common.StorableJson;
import dev.streamjournal.journal.JournalEvent;
import dev.streamjournal.journal.JournalReader;
import dev.streamjournal.security.Caller;
import dev.streamjournal.session.SessionRepository;
import dev.streamjournal.session.SessionView;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's transcript as AI SDK {@code UIMessage}s, to seed {@code useChat({messages})}. A user message
 * is the one given at stream creation (its {@code id} and {@code parts} when it has them, else one text
 * part of its content). An assistant message has its stream's id, and its parts are built from the
 * stream's journal with the same {@link UiChunks} as a replay, by a {@link UiMessageBuilder} that does
 * what the client does: so a page seeded from here and then resumed draws the same message. The session's
 * live stream, whose assistant message the transcript does not hold yet, comes last with what it has so
 * far.
 */
@ApplicationScoped
public class UiMessages {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final int PAGE = 1000;
    /** About this much event data a page (at least one event), so that a session of large events is read in bounded steps. */
    private static final long PAGE_BYTES = 1 << 20;

    private final SessionRepository sessions;
    private final JournalReader reader;
    private final ObjectMapper json;

    public UiMessages(SessionRepository sessions, JournalReader reader, ObjectMapper json) {
        this.sessions = sessions;
        this.reader = reader;
        this.json = StorableJson.storedReader(json);
    }

    /** {@code {"sessionId", "revision", "activeStreamId", "messages": [UIMessage...]}}; 404 for an unknown session. */
    public Uni<ObjectNode> of(String sessionId, Caller caller) {
        return sessions.view(sessionId, caller.tenant()).chain(view -> {
            List<Uni<ObjectNode>> messages = new ArrayList<>();
            boolean activeHasMessage = false;
            for (JsonNode message : tree(view.messages())) {
                String streamId = message.path("streamId").asText();
                if ("assistant".equals(message.path("role").asText())) {
                    activeHasMessage |= streamId.equals(view.activeStreamId());
                    messages.add(assistant(streamId, message.path("terminalState").asText(null), caller));
                } else {
                    messages.add(Uni.createFrom().item(user(streamId, message)));
                }
            }
            if (view.activeStreamId() != null && !activeHasMessage) {
                messages.add(assistant(view.activeStreamId(), null, caller));
            }
            return Multi.createFrom().iterable(messages).onItem().transformToUniAndConcatenate(message -> message)
                    .collect().asList().map(list -> answer(view, list));
        });
    }

    private static ObjectNode answer(SessionView view, List<ObjectNode> messages) {
        ObjectNode answer = JSON.objectNode().put("sessionId", view.sessionId()).put("revision", view.revision());
        answer.put("activeStreamId", view.activeStreamId());
        answer.putArray("messages").addAll(messages);
        return answer;
    }

    private static ObjectNode user(String streamId, JsonNode given) {
        ObjectNode message = JSON.objectNode();
        message.put("id", given.path("id").isTextual() ? given.path("id").asText() : streamId + "-user");
        message.put("role", "user");
        if (given.path("parts").isArray()) {
            message.set("parts", given.get("parts"));
        } else {
            message.putArray("parts").addObject().put("type", "text").put("text", given.path("content").asText(""));
        }
        if (given.has("metadata")) {
            message.set("metadata", given.get("metadata"));
        }
        return message;
    }

    /**
     * The assistant message of a stream, from its journal; {@code terminalState} (from the transcript, null
     * for the live stream) ends the message as a replay ends it when the journal holds no terminal event.
     */
    private Uni<ObjectNode> assistant(String streamId, String terminalState, Caller caller) {
        UiChunks chunks = new UiChunks(streamId);
        UiMessageBuilder message = new UiMessageBuilder(streamId);
        message.apply(chunks.start());
        return replay(streamId, 0, chunks, message, caller).map(ignored -> {
            if (terminalState != null && !chunks.finished()) {
                ObjectNode settlement = JSON.objectNode()
                        .put("outcome", "superseded".equals(terminalState) ? "stale" : "restored")
                        .put("terminalState", terminalState);
                message.apply(chunks.settlement(settlement));
            }
            return message.message();
        });
    }

    private Uni<Void> replay(String streamId, int after, UiChunks chunks, UiMessageBuilder message, Caller caller) {
        return reader.after(streamId, caller.tenant(), after, PAGE, PAGE_BYTES).chain(events -> {
            for (JournalEvent event : events) {
                message.apply(chunks.event(event.type(), event.seq(), tree(event.data())));
            }
            return events.isEmpty() || chunks.finished() ? Uni.createFrom().voidItem()
                    : replay(streamId, events.get(events.size() - 1).seq(), chunks, message, caller);
        });
    }

    private JsonNode tree(String text) {
        try {
            return json.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
