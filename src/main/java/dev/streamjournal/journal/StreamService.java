package dev.streamjournal.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.common.Ids;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.common.ProblemMappers;
import dev.streamjournal.common.StorableJson;
import dev.streamjournal.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * Starts streams. One transaction locks the session (creating it on first use), applies
 * {@code onActive} to a live stream of the session, inserts the stream, and puts the user message into
 * the transcript. A repeated create with the same stream id and body answers with the same stream.
 */
@ApplicationScoped
public class StreamService {

    /** What a create did: {@code created} is false for an idempotent repeat. */
    public record Outcome(boolean created, StreamStatus status) {
    }

    private enum OnActive { REJECT, INTERRUPT }

    private final Pool pool;
    private final StreamRepository streams;
    private final JournalRepository journal;
    private final StreamStatusRepository statuses;
    private final TerminalWriter terminal;
    private final TranscriptWriter transcript;
    private final LifecycleLog lifecycle;
    private final JournalConfig config;
    private final ObjectMapper json;
    private final Doorbell doorbell;
    private final StreamDirectory directory;

    public StreamService(Pool pool, StreamRepository streams, JournalRepository journal, StreamStatusRepository statuses,
            TerminalWriter terminal, TranscriptWriter transcript, LifecycleLog lifecycle, JournalConfig config,
            ObjectMapper json, Doorbell doorbell, StreamDirectory directory) {
        this.directory = directory;
        this.doorbell = doorbell;
        this.pool = pool;
        this.streams = streams;
        this.journal = journal;
        this.statuses = statuses;
        this.terminal = terminal;
        this.transcript = transcript;
        this.lifecycle = lifecycle;
        this.config = config;
        this.json = json;
    }

    public Uni<Outcome> create(String sessionId, CreateStreamRequest body, Caller caller) {
        Ids.require("sessionId", sessionId);
        CreateStreamRequest request = body == null ? new CreateStreamRequest(null, null, null, null) : body;
        String streamId = request.streamId() == null ? UUID.randomUUID().toString()
                : Ids.require("streamId", request.streamId());
        OnActive onActive = onActive(request.onActive());
        int leaseSeconds = leaseSeconds(request.leaseSeconds());
        ObjectNode userMessage = userMessage(request);
        ObjectNode canonical = JsonNodeFactory.instance.objectNode();
        canonical.set("userMessage", userMessage);
        canonical.put("onActive", onActive.name().toLowerCase());
        canonical.put("leaseSeconds", leaseSeconds);

        return pool.withTransaction(connection -> streams.lockSession(connection, sessionId, caller.tenant())
                        .chain(session -> {
                            if (!session.tenant().equals(caller.tenant())) {
                                throw ProblemException.notFound("no session " + sessionId);
                            }
                            return streams.find(connection, streamId).chain(existing -> existing != null
                                    ? Uni.createFrom().item(repeat(existing, sessionId, canonical, caller, streamId))
                                    : start(connection, session, streamId, onActive, leaseSeconds, userMessage,
                                            canonical, caller));
                        }))
                .onFailure(PgException.class).transform(StreamService::duplicateId)
                .invoke(started -> {
                    directory.created(streamId, sessionId);
                    started.announce(doorbell, sessionId, streamId);
                })
                .chain(started -> statuses.find(streamId, caller.tenant())
                        .map(status -> new Outcome(started.created(), status)));
    }

    /** What the creating transaction did: nothing new (a repeat), or a new stream that may have superseded one. */
    private record Started(boolean created, StreamState superseded) {

        /** After the commit: the new stream (and the superseded one) change the session's settlements. */
        void announce(Doorbell doorbell, String sessionId, String streamId) {
            if (superseded != null) {
                doorbell.ring(new Change(sessionId, superseded.streamId(), superseded.lastSeq(), true));
            }
            if (created) {
                doorbell.ring(new Change(sessionId, streamId, 0, true));
            }
        }
    }

    private Started repeat(StreamRepository.Existing existing, String sessionId, ObjectNode canonical, Caller caller,
            String streamId) {
        if (existing.tenant().equals(caller.tenant()) && existing.sessionId().equals(sessionId)
                && existing.createRequest() != null
                // as jsonb holds it: a user message's 1E3 comes back as 1000, and is the same request
                && AppendPlan.sameValue(parse(existing.createRequest()), canonical)) {
            return new Started(false, null);
        }
        throw streamExists(streamId);
    }

    private Uni<Started> start(SqlConnection connection, StreamRepository.LockedSession session, String streamId,
            OnActive onActive, int leaseSeconds, ObjectNode userMessage, ObjectNode canonical, Caller caller) {
        Uni<StreamState> previous = session.activeStreamId() == null
                ? Uni.createFrom().nullItem()
                : journal.lockStream(connection, session.sessionId(), session.activeStreamId(), caller.tenant());
        return previous.chain(active -> (active == null || active.terminalState() != null
                        ? Uni.createFrom().<StreamState>nullItem()
                        : supersedeOrReject(connection, active, streamId, onActive, caller))
                .chain(superseded -> inserted(connection, session, active, streamId, leaseSeconds, userMessage,
                        canonical, caller)
                        .replaceWith(new Started(true, superseded))));
    }

    /** @param previous the session's newest stream before this one, locked (null when none, or retention deleted it) */
    private Uni<Void> inserted(SqlConnection connection, StreamRepository.LockedSession session, StreamState previous,
            String streamId, int leaseSeconds, ObjectNode userMessage, ObjectNode canonical, Caller caller) {
        Uni<Void> inserted = streams.insert(connection, streamId, session.sessionId(), caller.tenant(),
                        canonical.toString(), caller.principal(), leaseSeconds)
                .chain(() -> lifecycle.record(connection, session.sessionId(), streamId, caller.tenant(),
                        LifecycleLog.Kind.CREATED, null, null, caller.principal()))
                .chain(() -> lifecycle.record(connection, session.sessionId(), streamId, caller.tenant(),
                        LifecycleLog.Kind.SETTLEMENT, "active", null, caller.principal()));
        if (previous != null) {
            String detail = JsonNodeFactory.instance.objectNode().put("currentStreamId", streamId).toString();
            inserted = inserted.chain(() -> lifecycle.record(connection, previous.sessionId(), previous.streamId(),
                    previous.tenant(), LifecycleLog.Kind.SETTLEMENT, "stale", detail, caller.principal()));
        }
        if (userMessage != null) {
            inserted = inserted.chain(() -> transcript.append(connection, session.sessionId(), streamId,
                    TranscriptAssembler.userMessage(streamId, userMessage))).replaceWithVoid();
        }
        return inserted;
    }

    /** Rejects the create, or supersedes the live stream and returns it. */
    private Uni<StreamState> supersedeOrReject(SqlConnection connection, StreamState active, String streamId,
            OnActive onActive, Caller caller) {
        if (onActive == OnActive.REJECT) {
            throw new ProblemException(409, "session-busy", "Session busy",
                    "session " + active.sessionId() + " has a live stream " + active.streamId(),
                    Map.of("activeStreamId", active.streamId()));
        }
        String detail = JsonNodeFactory.instance.objectNode().put("supersededBy", streamId).toString();
        return streams.supersede(connection, active, streamId)
                .chain(() -> terminal.write(connection, active, TerminalState.SUPERSEDED, null,
                        JsonNodeFactory.instance.objectNode(), LifecycleLog.Kind.SUPERSEDED, detail,
                        caller.principal()))
                .chain(() -> lifecycle.record(connection, active.sessionId(), active.streamId(), active.tenant(),
                        LifecycleLog.Kind.CLOSED, TerminalState.SUPERSEDED.word(), null, caller.principal()))
                .replaceWith(active);
    }

    private static OnActive onActive(String word) {
        if (word == null || word.equals("reject")) {
            return OnActive.REJECT;
        }
        if (word.equals("interrupt")) {
            return OnActive.INTERRUPT;
        }
        throw ProblemException.invalidRequest("onActive must be 'reject' or 'interrupt'");
    }

    private int leaseSeconds(Integer requested) {
        if (requested == null) {
            return config.lease().defaultSeconds();
        }
        if (requested < 1 || requested > config.lease().maxSeconds()) {
            throw ProblemException.invalidRequest("leaseSeconds must be between 1 and " + config.lease().maxSeconds());
        }
        return requested;
    }

    private ObjectNode userMessage(CreateStreamRequest request) {
        if (request.userMessage() == null || request.userMessage().isNull()) {
            return null;
        }
        if (!(request.userMessage() instanceof ObjectNode message) || !message.path("content").isTextual()) {
            throw ProblemException.invalidRequest("userMessage must be an object with a string content");
        }
        String unstorable = StorableJson.problem(message, "userMessage");
        if (unstorable != null) {
            throw ProblemException.invalidRequest(unstorable);
        }
        if (message.toString().getBytes(StandardCharsets.UTF_8).length > config.limits().eventDataBytes()) {
            throw ProblemException.tooLarge("userMessage exceeds " + config.limits().eventDataBytes() + " bytes");
        }
        return message;
    }

    private static Throwable duplicateId(Throwable failure) {
        PgException pg = (PgException) failure;
        String constraint = ProblemMappers.constraint(pg);
        if ("23505".equals(pg.getSqlState())
                && ("stream_sessions_pkey".equals(constraint) || "streams_pkey".equals(constraint))) {
            return streamExists(null);
        }
        return failure;
    }

    private static ProblemException streamExists(String streamId) {
        return new ProblemException(409, "stream-exists", "Stream exists",
                "a different stream " + (streamId == null ? "with this id" : streamId) + " already exists");
    }

    private ObjectNode parse(String text) {
        try {
            return (ObjectNode) json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
