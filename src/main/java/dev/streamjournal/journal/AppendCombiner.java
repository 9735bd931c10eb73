package dev.streamjournal.journal;

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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Group commit for the common append: batches that continue their streams share one statement
 * ({@link JournalRepository#APPEND_CONTINUING}), so one round trip and one commit serve all of them.
 * At most {@code journal.append.statements-in-flight} such statements run at once; a batch that
 * arrives while they are all busy waits and leaves with the others that wait, in arrival order, at
 * most one batch per stream per statement and at most {@code journal.append.batches-per-statement}
 * batches (or {@code journal.limits.batch-events} events, or {@code journal.limits.batch-bytes} of
 * data) in one. A lone batch leaves at once, so combining costs no latency when there is nothing to
 * combine with. Every batch is answered only after the statement's commit, on the Vert.x context it
 * came from.
 *
 * <p>A statement that PostgreSQL refuses was rolled back whole: each of its batches is then answered
 * with {@link Refused}, and the caller runs it again alone on the general path, so that one bad batch
 * cannot fail the others. A statement whose outcome is unknown (the connection broke) fails all of its
 * batches with that failure: running them again could write them twice.
 */
@ApplicationScoped
public class AppendCombiner {

    /** The combined statement was refused by PostgreSQL and rolled back; run this batch again on its own. */
    public static final class Refused extends RuntimeException {
        Refused(Throwable cause) {
            super("the combined append statement was refused", cause, false, false);
        }
    }

    private record Waiting(Continuation batch, int dataChars, Context context, UniEmitter<? super Continued> answer) {
    }

    private final Pool pool;
    private final JournalRepository journal;
    private final JournalConfig config;
    private final Counter statements;
    private final Counter combined;
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    private int inFlight;

    public AppendCombiner(Pool pool, JournalRepository journal, JournalConfig config, MeterRegistry registry) {
        this.pool = pool;
        this.journal = journal;
        this.config = config;
        this.statements = Counter.builder("journal.append.statements")
                .description("combined append statements run (each one commit)").register(registry);
        this.combined = Counter.builder("journal.append.combined-batches")
                .description("append batches written by combined statements").register(registry);
    }

    /**
     * Appends a batch of content and trailer events if it simply continues its stream; null when it
     * was not written (no such stream in the tenant, or the general path must decide it).
     */
    public Uni<Continued> append(Continuation batch) {
        int dataChars = 0;
        for (String data : batch.data()) {
            dataChars += data.length();
        }
        int size = dataChars;
        return Uni.createFrom().emitter(answer -> {
            synchronized (this) {
                queue.add(new Waiting(batch, size, Vertx.currentContext(), answer));
            }
            dispatch();
        });
    }

    private void dispatch() {
        while (true) {
            List<Waiting> statement;
            synchronized (this) {
                if (queue.isEmpty() || inFlight >= config.append().statementsInFlight()) {
                    return;
                }
                statement = take();
                inFlight++;
            }
            run(statement);
        }
    }

    /** The next statement's batches: arrival order, one per stream, within the limits. */
    private List<Waiting> take() {
        List<Waiting> statement = new ArrayList<>();
        Set<String> streams = new HashSet<>();
        int events = 0;
        long chars = 0;
        for (Iterator<Waiting> waiting = queue.iterator(); waiting.hasNext()
                && statement.size() < config.append().batchesPerStatement(); ) {
            Waiting next = waiting.next();
            int nextEvents = next.batch().events().size();
            if (!statement.isEmpty() && (events + nextEvents > config.limits().batchEvents()
                    || chars + next.dataChars() > config.limits().batchBytes())) {
                break;
            }
            if (streams.add(next.batch().streamId())) {
                waiting.remove();
                statement.add(next);
                events += nextEvents;
                chars += next.dataChars();
            }
        }
        return statement;
    }

    private void run(List<Waiting> statement) {
        List<Continuation> batches = new ArrayList<>(statement.size());
        statement.forEach(waiting -> batches.add(waiting.batch()));
        journal.appendContinuing(pool, batches).subscribe().with(
                written -> {
                    finished(statement.size());
                    for (int i = 0; i < statement.size(); i++) {
                        Continued continued = written.get(i);
                        answer(statement.get(i), answer -> answer.complete(continued));
                    }
                },
                failure -> {
                    finished(statement.size());
                    Throwable answered = failure instanceof PgException && statement.size() > 1
                            ? new Refused(failure) : failure;
                    statement.forEach(waiting -> answer(waiting, answer -> answer.fail(answered)));
                });
    }

    private void finished(int batches) {
        statements.increment();
        combined.increment(batches);
        synchronized (this) {
            inFlight--;
        }
        dispatch();
    }

    private static void answer(Waiting waiting, java.util.function.Consumer<UniEmitter<? super Continued>> action) {
        if (waiting.context() == null) {
            action.accept(waiting.answer());
        } else {
            waiting.context().runOnContext(ignored -> action.accept(waiting.answer()));
        }
    }
}
