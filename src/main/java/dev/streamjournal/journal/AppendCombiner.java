package dev.streamjournal.journal;

import dev.streamjournal.common.DatabaseConfig;
import dev.streamjournal.common.ProblemMappers;
import dev.streamjournal.journal.JournalRepository.Continuation;
import dev.streamjournal.journal.JournalRepository.Continued;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Group commit for the common append: batches that continue their streams share one statement
 * ({@link JournalRepository#APPEND_CONTINUING}), so one round trip and one commit serve all of them.
 * One statement runs at a time unless the batches waiting for it hold at least
 * {@code journal.append.parallel-events} events; then up to {@code journal.append.statements-in-flight}
 * run at once (a statement of few events is bound by its round trip and gains most from carrying more
 * batches; a large one is bound by its backend's CPU and gains from a second backend). A batch that
 * arrives while statements run waits and leaves with the others that wait, in arrival order, at
 * most one batch per stream per statement and at most {@code journal.append.batches-per-statement}
 * batches (or {@code journal.limits.batch-events} events, or {@code journal.limits.batch-bytes} of
 * data) in one. A lone batch leaves at once, so combining costs no latency when there is nothing to
 * combine with. Every batch is answered only after the statement's commit, on the Vert.x context it
 * came from.
 *
 * <p>A batch the statement did not write (its stream is locked by another transaction, or the batch
 * does not simply continue it) takes the general path, and so does every batch of a statement that
 * PostgreSQL refused (it was rolled back whole), each alone, so that one bad batch cannot fail the
 * others. Until a batch is answered, whichever path wrote it, the next batch of its stream waits: a
 * replica writes the batches of one stream in the order they arrived. A statement whose outcome is
 * unknown (the connection broke, or PostgreSQL did not answer within
 * {@link DatabaseConfig#unansweredAfter()}, counted from when the statement is handed to the pool) fails all of its batches with that failure (503): running
 * them again could write them twice. One that PostgreSQL cancelled at its statement timeout was rolled
 * back: its batches are answered 503 too, having written nothing.
 */
@ApplicationScoped
public class AppendCombiner {

    /** One waiting batch: what to answer when it is written, and the general path when it is not. */
    private record Waiting(Continuation batch, Context context, UniEmitter<Object> answer,
            Function<Continued, Object> written, Supplier<Uni<?>> generalPath) {
    }

    private final Pool pool;
    private final JournalRepository journal;
    private final JournalConfig config;
    private final DatabaseConfig database;
    private final Counter statements;
    private final Counter combined;
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    /** Streams with a batch taken and not yet answered: their next batch waits. */
    private final Set<String> busy = new HashSet<>();
    private int inFlight;
    /** Events of the batches in the queue. */
    private int waitingEvents;

    public AppendCombiner(Pool pool, JournalRepository journal, JournalConfig config, DatabaseConfig database,
            MeterRegistry registry) {
        this.pool = pool;
        this.journal = journal;
        this.config = config;
        this.database = database;
        this.statements = Counter.builder("journal.append.statements")
                .description("combined append statements run (each one commit)").register(registry);
        this.combined = Counter.builder("journal.append.combined-batches")
                .description("append batches written by combined statements").register(registry);
    }

    /**
     * Appends a batch of content and trailer events. When the combined statement wrote it, the answer
     * is {@code written} of what it wrote; otherwise it is what {@code generalPath} answers.
     */
    @SuppressWarnings("unchecked")
    public <T> Uni<T> append(Continuation batch, Function<Continued, T> written, Supplier<Uni<T>> generalPath) {
        Uni<Object> answer = Uni.createFrom().emitter(emitter -> {
            synchronized (this) {
                queue.add(new Waiting(batch, Vertx.currentContext(), emitter,
                        (Function<Continued, Object>) written, (Supplier<Uni<?>>) (Supplier<?>) generalPath));
                waitingEvents += batch.events().size();
            }
            dispatch();
        });
        return (Uni<T>) answer;
    }

    private void dispatch() {
        while (true) {
            List<Waiting> statement;
            synchronized (this) {
                if (queue.isEmpty() || inFlight >= config.append().statementsInFlight()
                        || inFlight > 0 && waitingEvents < config.append().parallelEvents()) {
                    return;
                }
                statement = take();
                if (statement.isEmpty()) {
                    return;
                }
                inFlight++;
            }
            run(statement);
        }
    }

    /** The next statement's batches: arrival order, one per stream, none of a busy stream, within the limits. */
    private List<Waiting> take() {
        List<Waiting> statement = new ArrayList<>();
        Set<String> skipped = new HashSet<>();
        int events = 0;
        long chars = 0;
        for (Iterator<Waiting> waiting = queue.iterator(); waiting.hasNext()
                && statement.size() < config.append().batchesPerStatement(); ) {
            Waiting next = waiting.next();
            String stream = next.batch().streamId();
            if (busy.contains(stream) || skipped.contains(stream)) {
                skipped.add(stream);
                continue;
            }
            int nextEvents = next.batch().events().size();
            if (!statement.isEmpty() && (events + nextEvents > config.limits().batchEvents()
                    || chars + next.batch().dataChars() > config.limits().batchBytes())) {
                break;
            }
            waiting.remove();
            waitingEvents -= nextEvents;
            busy.add(stream);
            statement.add(next);
            events += nextEvents;
            chars += next.batch().dataChars();
        }
        return statement;
    }

    private void run(List<Waiting> statement) {
        List<Continuation> batches = new ArrayList<>(statement.size());
        statement.forEach(waiting -> batches.add(waiting.batch()));
        Uni<List<Continued>> combined = Uni.createFrom().deferred(() -> journal.appendContinuing(pool, batches));
        Optional<Duration> unanswered = database.unansweredAfter();
        if (unanswered.isPresent()) {
            combined = combined.ifNoItem().after(unanswered.get()).fail();
        }
        combined.subscribe().with(
                written -> {
                    for (int i = 0; i < statement.size(); i++) {
                        settle(statement.get(i), written.get(i));
                    }
                    finished(statement.size());
                },
                failure -> {
                    boolean refused = statement.size() > 1 && refused(failure);
                    for (Waiting waiting : statement) {
                        if (refused) {
                            settle(waiting, null);
                        } else {
                            answer(waiting, emitter -> emitter.fail(failure));
                            release(waiting);
                        }
                    }
                    finished(statement.size());
                });
    }

    /**
     * True when PostgreSQL refused the statement with an error that rolled it back (not a broken
     * connection, an administrator's shutdown or an internal failure, whose outcome is unknown).
     */
    static boolean refused(Throwable failure) {
        return failure instanceof PgException pg && "ERROR".equals(pg.getSeverity())
                && !ProblemMappers.isInfrastructure(pg)
                && pg.getSqlState() != null && !pg.getSqlState().startsWith("58") && !pg.getSqlState().startsWith("XX");
    }

    /** Answers a batch the statement wrote, or runs it on the general path when it did not. */
    private void settle(Waiting waiting, Continued continued) {
        if (continued != null) {
            answer(waiting, emitter -> {
                try {
                    emitter.complete(waiting.written().apply(continued));
                } catch (RuntimeException e) {
                    emitter.fail(e);
                }
            });
            release(waiting);
            return;
        }
        Uni.createFrom().deferred(waiting.generalPath()).subscribe().with(
                result -> {
                    answer(waiting, emitter -> emitter.complete(result));
                    release(waiting);
                },
                failure -> {
                    answer(waiting, emitter -> emitter.fail(failure));
                    release(waiting);
                });
    }

    /** The batch is answered: the next batch of its stream may go. */
    private void release(Waiting waiting) {
        synchronized (this) {
            busy.remove(waiting.batch().streamId());
        }
        dispatch();
    }

    private void finished(int batches) {
        statements.increment();
        combined.increment(batches);
        synchronized (this) {
            inFlight--;
        }
        dispatch();
    }

    private static void answer(Waiting waiting, Consumer<UniEmitter<Object>> action) {
        if (waiting.context() == null) {
            action.accept(waiting.answer());
        } else {
            waiting.context().runOnContext(ignored -> action.accept(waiting.answer()));
        }
    }
}
