package dev.streamjournal.ds;

import dev.streamjournal.ds.DsRepository.Message;
import dev.streamjournal.journal.Change;
import dev.streamjournal.live.ChangeTap;
import dev.streamjournal.live.Signal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live registry of DS streams on this replica: a {@link DsFeed} for each stream someone here reads
 * live, fed by the live hub's changes (this replica's appends and the other replicas' doorbells), so that
 * a change is read once per replica however many readers wait on it. A feed is created and removed
 * inside one atomic update of the map, so a reader never joins a feed that is being dropped.
 */
@ApplicationScoped
public class DsHub implements ChangeTap {

    /** A reader's place on a feed: its signal wakes at every change the feed reads. */
    final class Reader implements AutoCloseable {
        final DsFeed feed;
        final Signal signal = new Signal();
        private boolean closed;

        private Reader(DsFeed feed) {
            this.feed = feed;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            readers.remove(signal);
            feed.remove(signal);
            feeds.computeIfPresent(feed.streamId, (id, held) -> {
                if (held != feed) {
                    return held;
                }
                held.holders--;
                return held.holders == 0 ? null : held;
            });
        }
    }

    private final ConcurrentHashMap<String, DsFeed> feeds = new ConcurrentHashMap<>();
    private final Set<Signal> readers = ConcurrentHashMap.newKeySet();
    private final DsRepository repository;
    private final Pool pool;
    private final Vertx vertx;
    private final Counter reads;
    private volatile boolean draining;

    public DsHub(DsRepository repository, Pool pool, Vertx vertx, MeterRegistry metrics) {
        this.repository = repository;
        this.pool = pool;
        this.vertx = vertx;
        this.reads = Counter.builder("journal.ds.feed.reads")
                .description("journal reads of DS live feeds: one per change of a followed stream, whatever its readers")
                .register(metrics);
        metrics.gauge("journal.ds.live.readers", readers, Set::size);
        metrics.gauge("journal.ds.live.feeds", feeds, ConcurrentHashMap::size);
    }

    /** How many readers on this replica follow the stream. */
    int readersOf(String streamId) {
        int[] holders = {0};
        feeds.computeIfPresent(streamId, (id, feed) -> {
            holders[0] = feed.holders;
            return feed;
        });
        return holders[0];
    }

    /** Follows a stream: the reader's signal wakes at each change its feed reads. */
    Reader follow(String sessionId, String streamId) {
        Context current = Vertx.currentContext();
        Context context = current != null ? VertxContext.getRootContext(current) : vertx.getOrCreateContext();
        boolean[] created = {false};
        DsFeed feed = feeds.compute(streamId, (id, held) -> {
            DsFeed followed = held != null ? held : new DsFeed(sessionId, streamId, context, this);
            created[0] = held == null;
            followed.holders++;
            return followed;
        });
        Reader reader = new Reader(feed);
        feed.add(reader.signal);
        readers.add(reader.signal);
        if (created[0]) {
            feed.start();
        } else if (feed.snapshot() != null) {
            reader.signal.wake();
        }
        if (draining) {
            reader.signal.wake();
        }
        return reader;
    }

    boolean draining() {
        return draining;
    }

    Uni<long[]> tail(String sessionId, String streamId) {
        reads.increment();
        return repository.tail(pool, sessionId, streamId);
    }

    /** The messages after {@code afterSeq} up to {@code upTo}, one page. */
    Uni<List<Message>> messages(String sessionId, String streamId, long afterSeq, long upTo) {
        int count = (int) Math.min(DsFeed.PAGE, upTo - afterSeq);
        if (count <= 0) {
            return Uni.createFrom().item(List.of());
        }
        reads.increment();
        return repository.messages(pool, sessionId, streamId, afterSeq, count, DsFeed.BUFFER_BYTES)
                .map(messages -> messages.stream().filter(message -> message.seq() <= upTo).toList());
    }

    @Override
    public void changed(Change change) {
        DsFeed feed = feeds.get(change.streamId());
        if (feed != null) {
            feed.changed(change.lastSeq(), change.settles());
        }
    }

    @Override
    public void catchUp() {
        feeds.values().forEach(DsFeed::catchUp);
    }

    @Override
    public List<Tapped> tapped() {
        List<Tapped> tapped = new ArrayList<>();
        feeds.values().forEach(feed -> {
            DsFeed.Snapshot snapshot = feed.snapshot();
            if (snapshot != null && !snapshot.gone()) {
                tapped.add(new Tapped(feed.sessionId, feed.streamId, (int) snapshot.head(), snapshot.closed()));
            }
        });
        return tapped;
    }

    /** At shutdown every live reader answers at once, so that its client goes to another replica. */
    void drain(@Observes ShutdownDelayInitiatedEvent shutdown) {
        draining = true;
        long now = System.nanoTime();
        readers.forEach(signal -> signal.wake(now));
    }
}
