package dev.streamjournal.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.audit.LifecycleLog;
import dev.streamjournal.common.Ids;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.security.Caller;
import dev.streamjournal.session.TranscriptAssembler;
import dev.streamjournal.session.TranscriptWriter;
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
    private final StreamQueries queries;
    private final TerminalWriter terminal;
    private final TranscriptWriter transcript;
    private final LifecycleLog lifecycle;
    private final JournalConfig config;
    private final ObjectMapper json;

    public StreamService(Pool pool, StreamRepository streams, JournalRepository journal, StreamQueries queries,
            TerminalWriter terminal, TranscriptWriter transcript, LifecycleLog lifecycle, JournalConfig config,
            ObjectMapper json) {
        this.pool = pool;
        this.streams = streams;
        this.journal = journal;
        this.queries = queries;
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
                                            canonical, caller).replaceWith(Boolean.TRUE));
                        }))
                .onFailure(PgException.class).transform(StreamService::duplicateId)
                .chain(created -> queries.find(streamId, caller.tenant())
                        .map(row -> new Outcome(created, StreamStatus.of(row))));
    }

    private Boolean repeat(StreamRepository.Existing existing, String sessionId, ObjectNode canonical, Caller caller,
            String streamId) {
        if (existing.tenant().equals(caller.tenant()) && existing.sessionId().equals(sessionId)
                && canonical.equals(parse(existing.createRequest()))) {
            return Boolean.FALSE;
        }
        throw streamExists(streamId);
    }

    private Uni<Void> start(SqlConnection connection, StreamRepository.LockedSession session, String streamId,
            OnActive onActive, int leaseSeconds, ObjectNode userMessage, ObjectNode canonical, Caller caller) {
        Uni<Void> cleared = session.activeStreamId() == null
                ? Uni.createFrom().voidItem()
                : journal.lockStream(connection, session.activeStreamId(), caller.tenant())
                        .chain(active -> active == null || active.terminalState() != null
                                ? Uni.createFrom().voidItem()
                                : supersedeOrReject(connection, active, streamId, onActive, caller));
        Uni<Void> inserted = cleared
                .chain(() -> streams.insert(connection, streamId, session.sessionId(), caller.tenant(),
                        canonical.toString(), caller.principal(), leaseSeconds))
                .chain(() -> lifecycle.record(connection, session.sessionId(), streamId, LifecycleLog.Kind.CREATED,
                        null, null, caller.principal()))
                .chain(() -> lifecycle.record(connection, session.sessionId(), streamId,
                        LifecycleLog.Kind.SETTLEMENT, "active", null, caller.principal()));
        if (session.activeStreamId() != null) {
            String detail = JsonNodeFactory.instance.objectNode().put("currentStreamId", streamId).toString();
            inserted = inserted.chain(() -> lifecycle.record(connection, session.sessionId(),
                    session.activeStreamId(), LifecycleLog.Kind.SETTLEMENT, "stale", detail, caller.principal()));
        }
        if (userMessage != null) {
            inserted = inserted.chain(() -> transcript.append(connection, session.sessionId(), streamId,
                    TranscriptAssembler.userMessage(streamId, userMessage))).replaceWithVoid();
        }
        return inserted.chain(() -> journal.notify(connection, session.sessionId(), streamId, 0, 0));
    }

    private Uni<Void> supersedeOrReject(SqlConnection connection, StreamState active, String streamId,
            OnActive onActive, Caller caller) {
        if (onActive == OnActive.REJECT) {
            throw new ProblemException(409, "session-busy", "Session busy",
                    "session " + active.sessionId() + " has a live stream " + active.streamId(),
                    Map.of("activeStreamId", active.streamId()));
        }
        String detail = JsonNodeFactory.instance.objectNode().put("supersededBy", streamId).toString();
        return streams.supersede(connection, active.streamId(), streamId)
                .chain(() -> terminal.write(connection, active, TerminalState.SUPERSEDED, null,
                        JsonNodeFactory.instance.objectNode(), LifecycleLog.Kind.SUPERSEDED, detail,
                        caller.principal()))
                .chain(() -> lifecycle.record(connection, active.sessionId(), active.streamId(),
                        LifecycleLog.Kind.CLOSED, TerminalState.SUPERSEDED.word(), null, caller.principal()))
                .chain(() -> journal.notify(connection, active.sessionId(), active.streamId(), active.lastSeq(),
                        active.lastSeq()));
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
        if (message.toString().getBytes(StandardCharsets.UTF_8).length > config.limits().eventDataBytes()) {
            throw ProblemException.tooLarge("userMessage exceeds " + config.limits().eventDataBytes() + " bytes");
        }
        return message;
    }

    private static Throwable duplicateId(Throwable failure) {
        PgException pg = (PgException) failure;
        if ("23505".equals(pg.getSqlState()) && pg.getConstraint() != null && pg.getConstraint().equals("streams_pkey")) {
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
