package dev.streamjournal.journal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Which session a stream belongs to. Every table is keyed by session (so that the journal can be sharded
 * by it), and a path that names only a stream needs the session first. The mapping is written once, when
 * the stream is created, and never changes or goes away ({@code stream_sessions}), so each replica keeps
 * the ones it has looked up; a stream that does not exist is asked for again each time.
 */
@ApplicationScoped
public class StreamDirectory {

    static final String SESSION_OF_STREAM = """
            select session_id from stream_sessions where stream_id = $1
            """;

    private final Pool pool;
    private final Cache<String, String> sessions;

    public StreamDirectory(Pool pool, JournalConfig config, MeterRegistry registry) {
        this.pool = pool;
        this.sessions = Caffeine.newBuilder().maximumSize(config.streamDirectory().cacheSize()).recordStats().build();
        CaffeineCacheMetrics.monitor(registry, sessions, "stream-directory");
    }

    /** The stream's session, or null when there is no such stream (in any tenant). */
    public Uni<String> sessionOf(String streamId) {
        String known = sessions.getIfPresent(streamId);
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return pool.preparedQuery(SESSION_OF_STREAM).execute(Tuple.of(streamId)).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            String session = rows.iterator().next().getString("session_id");
            sessions.put(streamId, session);
            return session;
        });
    }

    /** Remembers the session of a stream this replica just created. */
    void created(String streamId, String sessionId) {
        sessions.put(streamId, sessionId);
    }
}
