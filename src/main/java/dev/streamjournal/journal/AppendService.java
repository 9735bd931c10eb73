package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.common.Topology;
import dev.streamjournal.journal.JournalRepository.Continuation;
import dev.streamjournal.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Appends a batch in one transaction: lock the stream, decide ({@link AppendPlan}), write the events,
 * move the stream row, and for a terminal batch write the transcript and the lifecycle log. The caller
 * hears of it only after commit. The common batch, content that simply continues the stream, is one
 * statement ({@link JournalRepository#APPEND_CONTINUING}), shared with the batches of other streams that
 * wait at the same time ({@link AppendCombiner}); anything else (retried seqs, terminal or closing
 * events, a batch the combined statement did not write) takes the general transaction.
 *
 * <p>Lock order is session before stream for every transaction that touches the transcript (terminal
 * batches, stream creation), so that appends and creates of one session never deadlock. The change is
 * announced after the commit ({@link Doorbell}), never from inside the transaction.
 */
@ApplicationScoped
public class AppendService {

    private final Pool pool;
    private final JournalRepository journal;
    private final TerminalWriter terminal;
    private final LifecycleLog lifecycle;
    private final JournalConfig config;
    private final ObjectMapper json;
    private final Doorbell doorbell;
    private final AppendCombiner combiner;
    private final StreamDirectory directory;
    private final Topology topology;

    public AppendService(Pool pool, JournalRepository journal, TerminalWriter terminal, LifecycleLog lifecycle,
            JournalConfig config, ObjectMapper json, Doorbell doorbell, AppendCombiner combiner,
            StreamDirectory directory, Topology topology) {
        this.directory = directory;
        this.topology = topology;
        this.doorbell = doorbell;
        this.combiner = combiner;
        this.pool = pool;
        this.journal = journal;
        this.terminal = terminal;
        this.lifecycle = lifecycle;
        this.config = config;
        this.json = json;
    }

    /** Parses and checks a raw request body; the size limit applies to the bytes as sent. */
    public AppendRequest parse(byte[] body) throws IOException {
        if (body.length > config.limits().batchBytes()) {
            throw ProblemException.tooLarge("an append request holds at most " + config.limits().batchBytes() + " bytes");
        }
        if (body.length == 0) {
            throw ProblemException.invalidRequest("the request body must be a JSON object with events");
        }
        AppendRequest request = json.readValue(body, AppendRequest.class);
        if (request == null) {
            throw ProblemException.invalidRequest("the request body must be a JSON object with events");
        }
        AppendPlan.validateShape(request.events(), config.limits().batchEvents(), config.limits().eventDataBytes());
        return request;
    }

    /**
     * Appends a batch. On a sharded journal batches are not combined (a statement shared by the batches
     * of many sessions would span shards): each is a transaction on its session's shard.
     */
    public Uni<AppendResult> append(String streamId, AppendRequest request, Caller caller) {
        return directory.sessionOf(streamId)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("no stream " + streamId))
                .chain(sessionId -> append(sessionId, streamId, request, caller));
    }

    private Uni<AppendResult> append(String sessionId, String streamId, AppendRequest request, Caller caller) {
        boolean touchesTranscript = request.events().stream().anyMatch(event -> EventClass.settles(event.type()));
        if (touchesTranscript) {
            return appendInTransaction(sessionId, streamId, request, caller, true);
        }
        if (topology.sharded()) {
            return appendSharded(sessionId, streamId, request, caller);
        }
        return combiner.append(Continuation.of(sessionId, streamId, caller.tenant(), caller.principal(), request.events()),
                continued -> {
                    doorbell.ring(new Change(continued.sessionId(), streamId, continued.lastSeq(), false,
                            continued.events()));
                    return new AppendResult(streamId, continued.lastSeq(), request.events().size(), 0,
                            continued.terminalState() != null, continued.terminalState(), false,
                            continued.stopRequested() && continued.terminalState() == null);
                },
                () -> appendInTransaction(sessionId, streamId, request, caller, false));
    }

    /**
     * A batch without terminal or closing events on a sharded journal: one transaction of two statements
     * on the session's shard, the stream row moved first ({@link JournalRepository#CONTINUE_STREAM}), then
     * the events at the seqs it made room for. A batch that does not simply continue its stream takes the
     * general path.
     */
    private Uni<AppendResult> appendSharded(String sessionId, String streamId, AppendRequest request, Caller caller) {
        List<EventInput> events = request.events();
        Integer lastSeqBefore = AppendPlan.lastSeqBefore(events);
        if (lastSeqBefore != null && lastSeqBefore == AppendPlan.CANNOT_CONTINUE) {
            return appendInTransaction(sessionId, streamId, request, caller, false);
        }
        return pool.withTransaction(connection -> journal
                        .continueStream(connection, sessionId, streamId, caller.tenant(), events,
                                AppendPlan.holdsContent(events), lastSeqBefore)
                        .chain(moved -> {
                            if (moved == null) {
                                return Uni.createFrom().<JournalRepository.Moved>nullItem();
                            }
                            StreamState stream = new StreamState(streamId, sessionId, caller.tenant(),
                                    moved.lastSeq() - events.size(), moved.terminalState(), false);
                            return journal.insertEvents(connection, stream, AppendPlan.continuing(events, moved.lastSeq()),
                                    caller.principal()).replaceWith(moved);
                        }))
                .chain(moved -> {
                    if (moved == null) {
                        return appendInTransaction(sessionId, streamId, request, caller, false);
                    }
                    doorbell.ring(new Change(sessionId, streamId, moved.lastSeq(), false));
                    return Uni.createFrom().item(new AppendResult(streamId, moved.lastSeq(), events.size(), 0,
                            moved.terminalState() != null, moved.terminalState(), false,
                            moved.stopRequested() && moved.terminalState() == null));
                });
    }

    /** The general path: lock, decide with {@link AppendPlan} (duplicates, conflicts, terminal), write. */
    private Uni<AppendResult> appendInTransaction(String sessionId, String streamId, AppendRequest request,
            Caller caller, boolean touchesTranscript) {
        return pool.withTransaction(connection -> lockInOrder(connection, sessionId, streamId, caller, touchesTranscript)
                        .chain(stream -> journal.storedEvents(connection, stream,
                                        AppendPlan.retriedSeqs(stream, request.events()))
                                .map(stored -> AppendPlan.decide(stream, request.events(), stored))
                                .chain(plan -> write(connection, stream, plan, caller)
                                        .replaceWith(new Appended(result(stream, plan), change(stream, plan))))))
                .invoke(appended -> {
                    if (appended.change() != null) {
                        doorbell.ring(appended.change());
                    }
                })
                .map(Appended::result);
    }

    /** What a committed append answers, and the change to announce (null when it wrote nothing). */
    private record Appended(AppendResult result, Change change) {
    }

    private static Change change(StreamState stream, AppendPlan plan) {
        if (plan.inserts().isEmpty()) {
            return null;
        }
        boolean settles = plan.inserts().stream().anyMatch(event -> EventClass.settles(event.type()));
        return new Change(stream.sessionId(), stream.streamId(), plan.lastSeq(stream), settles);
    }

    private Uni<StreamState> lockInOrder(SqlConnection connection, String sessionId, String streamId, Caller caller,
            boolean touchesTranscript) {
        Uni<Void> sessionLock = touchesTranscript
                ? journal.lockSession(connection, sessionId, caller.tenant())
                : Uni.createFrom().voidItem();
        return sessionLock
                .chain(() -> journal.lockStream(connection, sessionId, streamId, caller.tenant()))
                .onItem().ifNull().failWith(() -> ProblemException.notFound("no stream " + streamId));
    }

    private Uni<Void> write(SqlConnection connection, StreamState stream, AppendPlan plan, Caller caller) {
        if (plan.inserts().isEmpty()) {
            // a retry of what the journal holds is still a sign of life: it extends a live stream's lease
            return plan.duplicates() > 0
                    ? journal.heartbeat(connection, stream.sessionId(), stream.streamId(), caller.tenant()).replaceWithVoid()
                    : Uni.createFrom().voidItem();
        }
        AppendPlan.NewEvent last = plan.inserts().get(plan.inserts().size() - 1);
        boolean becomesTerminal = plan.terminalEvent() != null;
        Uni<Void> written = journal.insertEvents(connection, stream, plan.inserts(), caller.principal())
                .chain(() -> journal.updateAfterAppend(connection, stream, last,
                        becomesTerminal ? plan.terminalState() : null,
                        becomesTerminal ? plan.terminalEvent().seq() : null,
                        plan.closes()));
        if (becomesTerminal) {
            written = written.chain(() -> terminal.write(connection, stream, plan.terminalState(),
                    plan.terminalEvent().type(), plan.terminalEvent().data(), LifecycleLog.Kind.TERMINAL,
                    null, caller.principal()));
        }
        if (plan.closes()) {
            written = written.chain(() -> lifecycle.record(connection, stream.sessionId(), stream.streamId(), stream.tenant(),
                    LifecycleLog.Kind.CLOSED, plan.terminalState().word(), null, caller.principal()));
        }
        return written;
    }

    private static AppendResult result(StreamState stream, AppendPlan plan) {
        return new AppendResult(stream.streamId(), plan.lastSeq(stream), plan.inserts().size(), plan.duplicates(),
                plan.terminalState() != null, plan.terminalState(), stream.closed() || plan.closes(),
                stream.stopRequested() && plan.terminalState() == null);
    }

    /** Extends the lease of a live stream; true when a reader asked its producer to stop. */
    public Uni<Boolean> heartbeat(String streamId, Caller caller) {
        return directory.sessionOf(streamId)
                .chain(sessionId -> sessionId == null ? Uni.createFrom().<JournalRepository.Beat>nullItem()
                        : journal.heartbeat(pool, sessionId, streamId, caller.tenant()))
                .map(beat -> {
                    if (beat == null) {
                        throw ProblemException.notFound("no stream " + streamId);
                    }
                    if (!beat.live()) {
                        throw new ProblemException(409, "stream-terminal", "Stream terminal",
                                "stream " + streamId + " is terminal (" + beat.terminalState() + "); its lease is over",
                                Map.of("streamId", streamId, "terminalState", beat.terminalState()));
                    }
                    return beat.stopRequested();
                });
    }
}
