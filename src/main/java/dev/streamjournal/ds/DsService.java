package dev.streamjournal.ds;

import dev.streamjournal.ds.DsRepository.Message;
import dev.streamjournal.journal.Change;
import dev.streamjournal.journal.Doorbell;
import dev.streamjournal.journal.LifecycleLog;
import dev.streamjournal.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The writes of Durable Streams: create (and fork), append (and close), delete. Each is one transaction
 * of the journal: an acknowledged append is committed, with its producer state, before it is answered,
 * and announced through the journal's doorbell after the commit.
 */
@ApplicationScoped
public class DsService {

    /** What a PUT asks for, its headers already checked. */
    record Create(String path, String location, String contentType, Long ttlSeconds, Instant expiresAt, boolean closed,
            String forkedFrom, Long forkSeq, long forkSubOffset, byte[] body) {
    }

    /** What a POST asks for, its headers already checked. */
    record Append(String path, String contentType, byte[] body, boolean close, String streamSeq,
            DsProducer producer) {
    }

    private final Pool pool;
    private final DsRepository repository;
    private final Doorbell doorbell;
    private final LifecycleLog lifecycle;
    private final DsConfig config;
    private final Event<DsPathChange> changes;

    public DsService(Pool pool, DsRepository repository, Doorbell doorbell, LifecycleLog lifecycle, DsConfig config,
            Event<DsPathChange> changes) {
        this.pool = pool;
        this.repository = repository;
        this.doorbell = doorbell;
        this.lifecycle = lifecycle;
        this.config = config;
        this.changes = changes;
    }

    /** The journal session of a path: one per tenant and path, named by their hash. */
    public static String sessionId(String tenant, String path) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((tenant + "\n" + path).getBytes(StandardCharsets.UTF_8));
            return "ds~" + HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The active incarnation of a path for reads (null: none). */
    Uni<DsStream> find(Caller caller, String path) {
        return repository.find(pool, sessionId(caller.tenant(), path), caller.tenant());
    }

    Uni<Void> touch(DsStream stream) {
        return repository.touch(pool, stream);
    }

    // ---------------------------------------------------------------- create

    Uni<DsReply> create(Caller caller, Create request) {
        String tenant = caller.tenant();
        String sessionId = sessionId(tenant, request.path());
        Change[] announce = {null};
        // the incarnation is locked before its expiry is judged, so that an append that slid its TTL
        // commits first and a create never retires a stream that an acknowledged append kept alive
        return pool.withTransaction(connection -> repository.lockSession(connection, sessionId, tenant)
                .chain(owner -> !owner.equals(tenant)
                        ? Uni.createFrom().item(DsReply.conflict("path-taken", "the path belongs to another tenant"))
                        : repository.lockActive(connection, sessionId, tenant).chain(existing -> {
                            Instant now = Instant.now();
                            if (existing != null && !existing.expired(now) && !existing.orphaned()) {
                                return Uni.createFrom().item(existingReply(existing, request));
                            }
                            Uni<Void> retired = existing == null ? Uni.createFrom().voidItem()
                                    : retire(connection, existing);
                            return retired.chain(() -> request.forkedFrom() == null
                                    ? insert(connection, caller, sessionId, request, request.contentType(),
                                            request.ttlSeconds(), request.expiresAt(), null, null, announce)
                                    : fork(connection, caller, sessionId, request, announce));
                        }))
                        .chain(DsService::rollBackIfRefused))
                .onFailure(Refused.class).recoverWithItem(failure -> ((Refused) failure).reply)
                .invoke(reply -> {
                    if (reply.status < 400) {
                        announce(announce[0], tenant, request.path(), false);
                    }
                });
    }

    /**
     * A create refused after its first writes (the path's session row, an expired incarnation retired):
     * the refusal fails the transaction, which rolls back, so that a refused request writes nothing.
     */
    private static final class Refused extends RuntimeException {
        private final transient DsReply reply;

        Refused(DsReply reply) {
            super(null, null, false, false);
            this.reply = reply;
        }
    }

    private static Uni<DsReply> rollBackIfRefused(DsReply reply) {
        return reply.status >= 400 ? Uni.createFrom().failure(new Refused(reply)) : Uni.createFrom().item(reply);
    }

    /**
     * After the commit: rings the journal's doorbell (live readers, other replicas) and tells this
     * replica's observers (subscriptions) which path changed.
     */
    private void announce(Change change, String tenant, String path, boolean removed) {
        if (change == null) {
            return;
        }
        doorbell.ring(change);
        if (removed || change.lastSeq() > 0) {
            changes.fire(new DsPathChange(tenant, path, change.lastSeq(), removed));
        }
    }

    /** A PUT on a path in use: 200 when it asks for what is there, else 409. */
    private static DsReply existingReply(DsStream existing, Create request) {
        if (existing.deleted()) {
            return DsReply.conflict("stream-deleted", "the stream at this path was deleted and still has forks");
        }
        boolean same = (request.contentType() == null && request.forkedFrom() != null
                        || DsContentTypes.same(existing.contentType(),
                                request.contentType() == null ? DsContentTypes.DEFAULT : request.contentType()))
                && Objects.equals(existing.ttlSeconds(), request.ttlSeconds())
                && (request.expiresAt() == null ? !existing.fixedExpiry()
                        : existing.fixedExpiry() && request.expiresAt().equals(existing.expiresAt()))
                && existing.closed() == request.closed()
                && Objects.equals(existing.forkedFrom(), request.forkedFrom())
                && (request.forkSeq() == null || Objects.equals(existing.forkSeq() == null ? null
                        : existing.forkSeq().longValue(), request.forkSeq()))
                && existing.forkSubOffset() == request.forkSubOffset();
        if (!same) {
            return DsReply.conflict("stream-exists", "a stream with another configuration exists at this path");
        }
        return created(200, existing, null);
    }

    private static DsReply created(int status, DsStream stream, String location) {
        DsReply reply = DsReply.of(status)
                .header("Content-Type", stream.contentType())
                .header(DsHeaders.NEXT_OFFSET, stream.tail())
                .header("Location", location);
        if (stream.closed()) {
            reply.header(DsHeaders.CLOSED, "true");
        }
        return reply;
    }

    /**
     * Writes a new incarnation of the path with its initial messages: for a fork, first the source's
     * messages up to the fork point (copied, with their seqs) and the sub-offset prefix as its own first
     * message; then the body.
     */
    private Uni<DsReply> insert(SqlConnection connection, Caller caller, String sessionId, Create request,
            String contentType, Long ttlSeconds, Instant expiresAt, DsStream source, byte[] prefix, Change[] announce) {
        String type = contentType == null ? DsContentTypes.DEFAULT : contentType;
        List<byte[]> bodies = new ArrayList<>();
        if (prefix != null) {
            bodies.add(prefix);
        }
        try {
            bodies.addAll(messages(type, request.body(), true));
        } catch (DsJson.Invalid e) {
            return Uni.createFrom().item(DsReply.badRequest("invalid-json", e.getMessage()));
        }
        long inherited = source == null ? 0 : request.forkSeq();
        long lastSeq = inherited + bodies.size();
        DsStream stream = new DsStream(sessionId, "ds~" + UUID.randomUUID(), request.path(), type, ttlSeconds,
                expiresAt, expiresAt != null, null, null, null, null, request.forkedFrom(),
                source == null ? null : (int) inherited, request.forkSubOffset(),
                source == null ? null : source.sessionId(), source == null ? null : source.streamId(), 0, false,
                lastSeq, request.closed(), false);
        String tenant = caller.tenant();
        Uni<Void> copied = source == null ? Uni.createFrom().voidItem()
                : repository.copyMessages(connection, stream, tenant, source, inherited)
                        .chain(() -> repository.countFork(connection, source.sessionId(), source.streamId(), 1))
                        .replaceWithVoid();
        return repository.insert(connection, stream, tenant, createRequest(request, type), caller.principal(),
                        DsRepository.utc(expiresAt))
                .chain(() -> copied)
                .chain(() -> repository.insertMessages(connection, stream, tenant, inherited, bodies,
                        caller.principal(), "{}"))
                .chain(() -> lastSeq > 0 || request.closed()
                        ? repository.advance(connection, stream, lastSeq, request.closed())
                        : Uni.createFrom().voidItem())
                .chain(() -> lifecycle.record(connection, sessionId, stream.streamId(), tenant,
                        LifecycleLog.Kind.CREATED, null, "{\"protocol\":\"durable-streams\"}", caller.principal()))
                .map(ignored -> {
                    announce[0] = new Change(sessionId, stream.streamId(), (int) lastSeq, true);
                    return created(201, stream, request.location());
                });
    }

    private Uni<DsReply> fork(SqlConnection connection, Caller caller, String sessionId, Create request,
            Change[] announce) {
        String tenant = caller.tenant();
        String sourceSession = sessionId(tenant, request.forkedFrom());
        return repository.lockActive(connection, sourceSession, tenant)
                .chain(source -> {
                    Instant now = Instant.now();
                    if (source == null || source.orphaned() || source.expired(now) && source.forks() == 0) {
                        return Uni.createFrom().item(DsReply.problem(404, "fork-source-not-found", "Not found",
                                "no stream at the Stream-Forked-From path"));
                    }
                    if (source.deleted() || source.expired(now)) {
                        return Uni.createFrom().item(DsReply.conflict("fork-source-deleted",
                                "the source stream was deleted"));
                    }
                    if (source.pruned()) {
                        return Uni.createFrom().item(DsReply.problem(410, "fork-source-pruned", "Gone",
                                "retention removed the source stream's messages"));
                    }
                    if (request.contentType() != null && !DsContentTypes.same(request.contentType(), source.contentType())) {
                        return Uni.createFrom().item(DsReply.conflict("content-type-mismatch",
                                "a fork has its source's content type"));
                    }
                    long forkSeq = request.forkSeq() == null ? source.lastSeq() : request.forkSeq();
                    if (forkSeq > source.lastSeq()) {
                        return Uni.createFrom().item(DsReply.badRequest("invalid-fork-offset",
                                "Stream-Fork-Offset is beyond the source's tail"));
                    }
                    // a fork without its own expiry inherits the source's
                    Long ttl = request.ttlSeconds();
                    Instant expiresAt = request.expiresAt();
                    if (ttl == null && expiresAt == null) {
                        ttl = source.fixedExpiry() ? null : source.ttlSeconds();
                        expiresAt = source.fixedExpiry() ? source.expiresAt() : null;
                    }
                    Create resolved = new Create(request.path(), request.location(), source.contentType(), ttl, expiresAt,
                            request.closed(), request.forkedFrom(), forkSeq, request.forkSubOffset(), request.body());
                    Long finalTtl = ttl;
                    Instant finalExpiresAt = expiresAt;
                    return prefix(connection, source, forkSeq, request.forkSubOffset()).chain(prefix -> prefix.problem() != null
                            ? Uni.createFrom().item(prefix.problem())
                            : insert(connection, caller, sessionId, resolved, source.contentType(), finalTtl,
                                    finalExpiresAt, source, prefix.bytes(), announce));
                });
    }

    /** The sub-offset prefix of a fork, or the problem with it; no prefix (null bytes) for sub-offset 0. */
    private record Prefix(byte[] bytes, DsReply problem) {
    }

    /**
     * The first {@code count} units of the source's message after {@code forkSeq}: bytes, or JSON values
     * of the append batch, which a fork keeps as its own first message.
     */
    private Uni<Prefix> prefix(SqlConnection connection, DsStream source, long forkSeq, long count) {
        if (count == 0) {
            return Uni.createFrom().item(new Prefix(null, null));
        }
        return repository.messages(connection, source.sessionId(), source.streamId(), forkSeq, 1, Long.MAX_VALUE)
                .map(messages -> {
                    DsReply overshoot = DsReply.badRequest("invalid-fork-sub-offset",
                            "Stream-Fork-Sub-Offset is past the next message of the source");
                    if (messages.isEmpty()) {
                        return new Prefix(null, overshoot);
                    }
                    byte[] body = messages.get(0).body();
                    if (!source.json()) {
                        return count > body.length ? new Prefix(null, overshoot)
                                : new Prefix(Arrays.copyOf(body, (int) count), null);
                    }
                    try {
                        List<byte[]> values = DsJson.split(DsJson.array(List.of(body)));
                        return count > values.size() ? new Prefix(null, overshoot)
                                : new Prefix(DsJson.join(values.subList(0, (int) count)), null);
                    } catch (DsJson.Invalid e) {
                        throw new IllegalStateException("a stored JSON message does not parse", e);
                    }
                });
    }

    /** An expired incarnation makes way for a new one: removed, or kept for its forks. */
    private Uni<Void> retire(SqlConnection connection, DsStream expired) {
        return expired.forks() > 0 ? repository.softDelete(connection, expired)
                : remove(connection, expired.sessionId(), expired.streamId(), expired.sourceSessionId(),
                        expired.sourceStreamId());
    }

    private static String createRequest(Create request, String type) {
        return "{\"protocol\":\"durable-streams\",\"path\":" + quote(request.path()) + ",\"contentType\":" + quote(type)
                + (request.forkedFrom() == null ? "" : ",\"forkedFrom\":" + quote(request.forkedFrom()))
                + "}";
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /**
     * The messages of a body: one per append (none when empty). In JSON mode a top-level array is flattened
     * one level and its values kept, as sent, joined by commas: one message, whose values reads put into the
     * response's array.
     */
    List<byte[]> messages(String contentType, byte[] body, boolean create) throws DsJson.Invalid {
        if (body.length == 0) {
            return List.of();
        }
        if (!DsContentTypes.isJson(contentType)) {
            return List.of(body);
        }
        List<byte[]> values = DsJson.split(body);
        if (values.isEmpty()) {
            if (create) {
                return List.of();
            }
            throw new DsJson.Invalid("an append of an empty array appends nothing");
        }
        return List.of(DsJson.join(values));
    }

    // ---------------------------------------------------------------- append

    Uni<DsReply> append(Caller caller, Append request) {
        String tenant = caller.tenant();
        String sessionId = sessionId(tenant, request.path());
        Change[] announce = {null};
        return pool.withTransaction(connection -> repository.lockActive(connection, sessionId, tenant)
                .chain(stream -> {
                    // judged once the lock is held: a stream that expired while this request waited is gone
                    DsReply absent = DsStream.absent(stream, Instant.now());
                    if (absent != null) {
                        return Uni.createFrom().item(absent);
                    }
                    if (stream.closed()) {
                        return Uni.createFrom().item(closedReply(stream, request));
                    }
                    if (request.body().length > 0 && request.contentType() == null) {
                        return Uni.createFrom().item(DsReply.badRequest("missing-content-type",
                                "an append with a body needs a Content-Type"));
                    }
                    if (request.body().length > 0 && !DsContentTypes.same(request.contentType(), stream.contentType())) {
                        return Uni.createFrom().item(DsReply.conflict("content-type-mismatch",
                                "the Content-Type differs from the stream's"));
                    }
                    Uni<ProducerDecision.Decision> decided = request.producer() == null
                            ? Uni.createFrom().item(new ProducerDecision.Decision(ProducerDecision.Verdict.ACCEPT, 0))
                            : repository.producer(connection, stream, request.producer().id()).map(state -> {
                                ProducerDecision.Decision decision = ProducerDecision.decide(state,
                                        request.producer().epoch(), request.producer().seq());
                                return decision.verdict() == ProducerDecision.Verdict.STALE_EPOCH
                                        || decision.verdict() == ProducerDecision.Verdict.DUPLICATE
                                        ? new ProducerDecision.Decision(decision.verdict(),
                                                decision.verdict() == ProducerDecision.Verdict.STALE_EPOCH
                                                        ? state.epoch() : state.lastSeq())
                                        : decision;
                            });
                    return decided.chain(decision -> write(connection, caller, stream, request, decision, announce));
                }))
                .invoke(() -> announce(announce[0], tenant, request.path(), false));
    }

    /**
     * Appends one JSON message to a tenant's JSON stream as a service principal (a subscription's wake
     * event); answers whether it was appended.
     */
    public Uni<Boolean> appendJson(String tenant, String path, String principal, byte[] json) {
        return append(new Caller(principal, tenant, null),
                new Append(path, DsContentTypes.JSON, json, false, null, null))
                .map(reply -> reply.status == 200 || reply.status == 204);
    }

    /** An append to a closed stream: the retry of the closing append is a duplicate; a close again is fine. */
    private static DsReply closedReply(DsStream stream, Append request) {
        DsProducer producer = request.producer();
        boolean closingRetry = producer != null && producer.id().equals(stream.closedByProducer())
                && Objects.equals(producer.epoch(), stream.closedByEpoch())
                && Objects.equals(producer.seq(), stream.closedBySeq());
        if (closingRetry || request.close() && request.body().length == 0) {
            DsReply reply = DsReply.of(204).header(DsHeaders.NEXT_OFFSET, stream.tail()).header(DsHeaders.CLOSED, "true");
            if (closingRetry) {
                reply.header(DsHeaders.PRODUCER_EPOCH, producer.epoch()).header(DsHeaders.PRODUCER_SEQ, producer.seq());
            }
            return reply;
        }
        return DsReply.conflict("stream-closed", "the stream is closed")
                .header(DsHeaders.CLOSED, "true").header(DsHeaders.NEXT_OFFSET, stream.tail());
    }

    private Uni<DsReply> write(SqlConnection connection, Caller caller, DsStream stream, Append request,
            ProducerDecision.Decision decision, Change[] announce) {
        DsProducer producer = request.producer();
        switch (decision.verdict()) {
            case STALE_EPOCH:
                return Uni.createFrom().item(DsReply.problem(403, "stale-producer-epoch", "Forbidden",
                        "the producer's epoch is older than the stream's").header(DsHeaders.PRODUCER_EPOCH,
                                decision.expectedSeq()));
            case NEW_EPOCH_NOT_AT_ZERO:
                return Uni.createFrom().item(DsReply.badRequest("invalid-producer-seq",
                        "a new producer epoch starts at Producer-Seq 0"));
            case GAP:
                return Uni.createFrom().item(DsReply.conflict("producer-seq-gap", "Producer-Seq skips ahead")
                        .header(DsHeaders.PRODUCER_EXPECTED_SEQ, decision.expectedSeq())
                        .header(DsHeaders.PRODUCER_RECEIVED_SEQ, producer.seq()));
            case DUPLICATE:
                return Uni.createFrom().item(DsReply.of(204).header(DsHeaders.NEXT_OFFSET, stream.tail())
                        .header(DsHeaders.PRODUCER_EPOCH, producer.epoch())
                        .header(DsHeaders.PRODUCER_SEQ, decision.expectedSeq()));
            default:
                break;
        }
        if (request.streamSeq() != null && stream.writerSeq() != null
                && compareBytes(request.streamSeq(), stream.writerSeq()) <= 0) {
            return Uni.createFrom().item(DsReply.conflict("stream-seq-regression",
                    "Stream-Seq is not greater than the last one"));
        }
        List<byte[]> bodies;
        try {
            bodies = messages(stream.contentType(), request.body(), false);
        } catch (DsJson.Invalid e) {
            return Uni.createFrom().item(DsReply.badRequest("invalid-json", e.getMessage()));
        }
        if (bodies.size() > config.maxMessages()) {
            return Uni.createFrom().item(DsReply.problem(413, "payload-too-large", "Payload too large",
                    "an append writes at most " + config.maxMessages() + " messages"));
        }
        long lastSeq = stream.lastSeq() + bodies.size();
        String tenant = caller.tenant();
        String detail = producer == null ? "{}"
                : "{\"producer\":" + quote(producer.id()) + ",\"epoch\":" + producer.epoch() + ",\"producerSeq\":"
                        + producer.seq() + "}";
        return repository.insertMessages(connection, stream, tenant, stream.lastSeq(), bodies, caller.principal(), detail)
                .chain(() -> repository.advance(connection, stream, lastSeq, request.close()))
                .chain(() -> repository.afterWrite(connection, stream, request.streamSeq(),
                        request.close() ? producer : null))
                .chain(() -> repository.touch(connection, stream))
                .chain(() -> producer == null ? Uni.createFrom().voidItem()
                        : repository.saveProducer(connection, stream, producer))
                .chain(() -> request.close()
                        ? lifecycle.record(connection, stream.sessionId(), stream.streamId(), tenant,
                                LifecycleLog.Kind.CLOSED, "completed", null, caller.principal())
                        : Uni.createFrom().voidItem())
                .map(ignored -> {
                    announce[0] = new Change(stream.sessionId(), stream.streamId(), (int) lastSeq, request.close());
                    DsReply reply = DsReply.of(producer == null || bodies.isEmpty() ? 204 : 200)
                            .header(DsHeaders.NEXT_OFFSET, DsOffset.format(lastSeq));
                    if (producer != null) {
                        reply.header(DsHeaders.PRODUCER_EPOCH, producer.epoch()).header(DsHeaders.PRODUCER_SEQ, producer.seq());
                    }
                    if (request.close()) {
                        reply.header(DsHeaders.CLOSED, "true");
                    }
                    return reply;
                });
    }

    /** Byte-wise comparison of UTF-8 strings, as the protocol orders {@code Stream-Seq}. */
    static int compareBytes(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------- delete

    Uni<DsReply> delete(Caller caller, String path) {
        String tenant = caller.tenant();
        String sessionId = sessionId(tenant, path);
        Change[] announce = {null};
        return pool.withTransaction(connection -> repository.lockExistingSession(connection, sessionId)
                .chain(() -> repository.lockActive(connection, sessionId, tenant))
                .chain(stream -> {
                    // judged once the lock is held: a stream that expired while this request waited is gone
                    DsReply absent = DsStream.absent(stream, Instant.now());
                    if (absent != null) {
                        return Uni.createFrom().item(absent);
                    }
                    announce[0] = new Change(sessionId, stream.streamId(), 0, true);
                    Uni<Void> deleted = stream.forks() > 0 ? repository.softDelete(connection, stream)
                            : remove(connection, sessionId, stream.streamId(), stream.sourceSessionId(),
                                    stream.sourceStreamId());
                    return deleted
                            .chain(() -> lifecycle.record(connection, sessionId, stream.streamId(), tenant,
                                    LifecycleLog.Kind.PRUNED, "deleted", null, caller.principal()))
                            .map(ignored -> DsReply.of(204));
                }))
                .invoke(() -> announce(announce[0], tenant, path, true));
    }

    /**
     * Removes an incarnation; a fork gives back its count on its source, and a soft-deleted source left
     * with no forks is removed in turn, up the chain.
     */
    private Uni<Void> remove(SqlConnection connection, String sessionId, String streamId, String sourceSession,
            String sourceStream) {
        Uni<Void> removed = repository.remove(connection, sessionId, streamId);
        if (sourceSession == null) {
            return removed;
        }
        // the source's session before its stream, as every writer takes them
        return removed.chain(() -> repository.lockExistingSession(connection, sourceSession))
                .chain(() -> repository.countFork(connection, sourceSession, sourceStream, -1))
                .chain(orphaned -> !orphaned ? Uni.createFrom().voidItem()
                        : repository.source(connection, sourceSession, sourceStream)
                                .chain(parent -> remove(connection, sourceSession, sourceStream,
                                        parent == null ? null : parent[0], parent == null ? null : parent[1])));
    }

    // ---------------------------------------------------------------- reads

    /** The messages after a seq: from the live feed's buffer when it holds them, else from the journal. */
    Uni<List<Message>> messages(DsStream stream, long afterSeq, DsFeed.Snapshot snapshot) {
        if (snapshot != null) {
            List<Message> buffered = snapshot.after(afterSeq, config.readBytes());
            if (buffered != null) {
                return Uni.createFrom().item(buffered);
            }
        }
        return repository.messages(pool, stream.sessionId(), stream.streamId(), afterSeq, config.readMessages(),
                config.readBytes());
    }
}
