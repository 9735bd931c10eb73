package dev.streamjournal.journal;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Objects;
import java.util.function.BiFunction;
import org.jboss.logging.Logger;

/**
 * Background work over streams that may lie on any shard (the lease reaper, the closer, retention): a
 * read of candidates without locks, then each candidate handled in a transaction of its own, which
 * locks it with {@code FOR UPDATE SKIP LOCKED} and checks it again. So every statement of the work runs
 * on the candidate's shard, replicas never wait for or repeat each other, and a candidate whose
 * transaction fails is logged and left for the next pass without stopping the others.
 */
@ApplicationScoped
public class StreamSweeps {

    private static final Logger LOG = Logger.getLogger(StreamSweeps.class);

    /** A stream found by the first read, to be locked and checked again. */
    public record Candidate(String sessionId, String streamId) {

        public Tuple key() {
            return Tuple.of(sessionId, streamId);
        }
    }

    private final Pool pool;

    public StreamSweeps(Pool pool) {
        this.pool = pool;
    }

    /**
     * Reads the candidates ({@code candidates} returns their {@code session_id} and {@code stream_id}) and
     * runs {@code handle} on each, one after the other, each in a transaction of its own. Emits, after
     * each commit, what {@code handle} answered for the candidates it handled (null: it skipped one).
     */
    public <T> Multi<T> each(String task, String candidates, Tuple args, BiFunction<SqlConnection, Candidate, Uni<T>> handle) {
        return pool.preparedQuery(candidates).execute(args)
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .map(row -> new Candidate(row.getString("session_id"), row.getString("stream_id")))
                .onItem().transformToUniAndConcatenate(candidate -> pool
                        .withTransaction(connection -> handle.apply(connection, candidate))
                        .onFailure().recoverWithItem(failure -> {
                            LOG.warnf("%s: could not handle stream %s: %s", task, candidate.streamId(), failure.toString());
                            return null;
                        }))
                .filter(Objects::nonNull);
    }
}
