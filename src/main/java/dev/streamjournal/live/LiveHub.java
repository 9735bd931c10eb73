package dev.streamjournal.live;

import dev.streamjournal.journal.Change;
import dev.streamjournal.settlement.Outcome;
import dev.streamjournal.settlement.Settlement;
import dev.streamjournal.settlement.SettlementFeeds;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The live registry of this replica: for each session someone here holds, a {@link SessionFeed} with
 * the {@link StreamFeed}s of its followed streams. Changes from the doorbell go to the session's feed,
 * which reads each change once for all subscribers. A session feed is created and removed inside one
 * atomic update of the map, so a subscriber can never join a feed that is being dropped.
 */
@Startup
@ApplicationScoped
public class LiveHub implements SettlementFeeds {

    private static final Logger LOG = Logger.getLogger(LiveHub.class);

    /** A subscriber's place in the hub: one signal, the session it holds, the streams it follows. */
    public final class Watch implements AutoCloseable {
        private final SessionFeed session;
        private final Signal signal = new Signal();
        private final boolean settlesOnly;
        private final List<StreamFeed> followed = new ArrayList<>();
        private boolean listening;
        private boolean closed;
        private boolean expired;
        private boolean ended;
        private long expiryTimer = -1;

        private Watch(SessionFeed session, boolean settlesOnly) {
            this.session = session;
            this.settlesOnly = settlesOnly;
        }

        public Signal signal() {
            return signal;
        }

        /** Follows a stream of this session: its feed wakes this watch's signal at each change. */
        synchronized StreamFeed follow(String streamId) {
            StreamFeed feed = session.follow(streamId, signal, settlesOnly);
            if (closed) {
                session.unfollow(feed, signal);
            } else {
                followed.add(feed);
            }
            return feed;
        }

        synchronized void unfollow(StreamFeed feed) {
            if (followed.remove(feed)) {
                session.unfollow(feed, signal);
            }
        }

        /** The session's stream ids in creation order (null until read); the signal hears of new streams. */
        synchronized List<String> listing() {
            if (!listening && !closed) {
                listening = true;
                return session.listen(signal);
            }
            return session.listing();
        }

        /**
         * True once the tail should end: this replica is shutting down (its client goes elsewhere) or the
         * token that opened it expired (its client comes back with a fresh one).
         */
        public synchronized boolean ending() {
            return draining || expired;
        }

        /**
         * Ends this watch's tail at {@code at}, the expiry of the token that opened it (null: never), so
         * that a connection never outlives its authorization: the client reconnects with a fresh token.
         */
        void expireAt(Instant at) {
            if (at == null) {
                return;
            }
            long delay = Duration.between(Instant.now(), at).toMillis() + 1;
            if (delay <= 0) {
                expire();
                return;
            }
            long timer = vertx.setTimer(delay, id -> expire());
            synchronized (this) {
                if (closed) {
                    vertx.cancelTimer(timer);
                } else {
                    expiryTimer = timer;
                }
            }
        }

        private void expire() {
            synchronized (this) {
                expired = true;
            }
            signal.wake();
        }

        /**
         * For a tail's next step: null while the tail may go on; once the replica drains or the token
         * expired, the reconnect hint the first time and an empty list (the end of the tail) after that.
         */
        synchronized List<Frame> endFrames(int retryMillis) {
            if (!draining && !expired) {
                return null;
            }
            if (ended) {
                return List.of();
            }
            ended = true;
            return List.of(draining ? Frame.reconnect(retryMillis) : Frame.tokenExpired(retryMillis));
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                if (expiryTimer >= 0) {
                    vertx.cancelTimer(expiryTimer);
                }
                followed.forEach(feed -> session.unfollow(feed, signal));
                followed.clear();
                if (listening) {
                    session.unlisten(signal);
                }
            }
            all.remove(signal);
            release(session);
        }
    }

    private final ConcurrentHashMap<String, SessionFeed> sessions = new ConcurrentHashMap<>();
    private final Set<Signal> all = ConcurrentHashMap.newKeySet();
    private final Feeds feeds;
    private final Vertx vertx;
    private final List<ChangeTap> taps;
    private volatile boolean draining;

    public LiveHub(Feeds feeds, Vertx vertx, MeterRegistry metrics, Instance<ChangeTap> taps) {
        this.feeds = feeds;
        this.vertx = vertx;
        this.taps = taps.stream().toList();
        metrics.gauge("journal.live.subscribers", all, Set::size);
        metrics.gauge("journal.live.feeds", this, LiveHub::streamFeeds);
    }

    /**
     * Holds a session of the tenant (already checked to be the caller's). {@code settlesOnly}: the watch
     * is woken only when a followed stream's settlement is decided again (long-polls), not at every event.
     */
    public Watch watch(String sessionId, String tenant, boolean settlesOnly) {
        Context current = Vertx.currentContext();
        Context context = current != null ? VertxContext.getRootContext(current) : vertx.getOrCreateContext();
        SessionFeed session = sessions.compute(sessionId, (id, feed) -> {
            SessionFeed held = feed != null ? feed : new SessionFeed(id, tenant, context, feeds);
            held.holders++;
            return held;
        });
        Watch watch = new Watch(session, settlesOnly);
        all.add(watch.signal);
        if (draining) {
            watch.signal.wake();
        }
        return watch;
    }

    private void release(SessionFeed session) {
        sessions.computeIfPresent(session.sessionId, (id, feed) -> {
            if (feed != session) {
                return feed;
            }
            feed.holders--;
            return feed.holders == 0 ? null : feed;
        });
    }

    /**
     * The stream's settlement at the first decision that is not {@code active}; after {@code wait}, or
     * when the replica drains, the current one (null when it was not read yet). The feed decides once per
     * change for every long-poll here, and wakes them only when it decided again.
     */
    @Override
    public Uni<Settlement> awaitSettled(String sessionId, String streamId, String tenant, Duration wait) {
        Watch watch = watch(sessionId, tenant, true);
        StreamFeed feed = watch.follow(streamId);
        long deadline = System.nanoTime() + wait.toNanos();
        return awaitSettled(watch, feed, deadline).onTermination().invoke(watch::close);
    }

    private Uni<Settlement> awaitSettled(Watch watch, StreamFeed feed, long deadline) {
        long seen = watch.signal().version();
        StreamFeed.View view = feed.view();
        long remaining = deadline - System.nanoTime();
        if (view != null && view.decision().outcome() != Outcome.ACTIVE || remaining <= 0 || draining) {
            return Uni.createFrom().item(view == null ? null : view.decision().settlement());
        }
        return watch.signal().awaitChange(seen, Duration.ofNanos(remaining))
                .chain(woke -> awaitSettled(watch, feed, deadline));
    }

    /** A committed change: the session's feed reads it once for everyone here who follows it. */
    public void publish(Change change) {
        SessionFeed session = sessions.get(change.sessionId());
        if (session != null) {
            session.publish(change);
        }
        taps.forEach(tap -> tap.changed(change));
    }

    /** Every feed catches up from the journal (after the wake-up channel was lost). */
    public void wakeAll() {
        sessions.values().forEach(SessionFeed::catchUp);
        taps.forEach(ChangeTap::catchUp);
    }

    /** The streams the taps follow, for the {@link ChangeSweep}. */
    List<ChangeTap.Tapped> tapped() {
        List<ChangeTap.Tapped> tapped = new ArrayList<>();
        taps.forEach(tap -> tapped.addAll(tap.tapped()));
        return tapped;
    }

    /** True while the replica shuts down: live responses end so that their clients go elsewhere. */
    public boolean draining() {
        return draining;
    }

    /**
     * Called when the replica starts shutting down (SIGTERM; readiness is down from now on): every tail
     * sends its client a reconnect hint and ends, every parked long-poll answers at once, so that clients
     * resume on another replica while in-flight appends finish here.
     */
    void drain(@Observes ShutdownDelayInitiatedEvent shutdown) {
        draining = true;
        LOG.infof("shutting down: draining %d live subscriber(s)", all.size());
        long now = System.nanoTime();
        all.forEach(signal -> signal.wake(now));
    }

    /** A stream followed on this replica, with its feed's current view (null while it is first read). */
    public record Followed(String sessionId, String streamId, StreamFeed.View view) {
    }

    /** The streams followed on this replica, for the {@link ChangeSweep}. */
    List<Followed> followed() {
        List<Followed> followed = new ArrayList<>();
        sessions.values().forEach(session -> session.streamFeeds().forEach(
                feed -> followed.add(new Followed(session.sessionId, feed.streamId, feed.view()))));
        return followed;
    }

    /** The sessions whose stream list is followed here (session channels), with the list as read. */
    Map<String, List<String>> listings() {
        Map<String, List<String>> listings = new HashMap<>();
        sessions.values().forEach(session -> {
            List<String> listing = session.listing();
            if (listing != null && session.listened()) {
                listings.put(session.sessionId, listing);
            }
        });
        return listings;
    }

    /** True when the watch's session feed is the one the hub routes changes to. */
    boolean routesTo(Watch watch) {
        return sessions.get(watch.session.sessionId) == watch.session;
    }

    /** True when the hub keeps a feed for the session: someone here holds it (a tail, a channel, a held settlement). */
    public boolean follows(String sessionId) {
        return sessions.containsKey(sessionId);
    }

    public int subscribers() {
        return all.size();
    }

    /** How many stream feeds this replica keeps (one per followed stream, however many subscribers). */
    public int streamFeeds() {
        return sessions.values().stream().mapToInt(session -> session.streamFeeds().size()).sum();
    }
}
