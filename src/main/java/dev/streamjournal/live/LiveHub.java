package dev.streamjournal.live;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * In-process fan-out of journal notices to the subscribers of this replica, keyed by stream and by
 * session. It only wakes subscribers; each reads what it needs from the journal itself.
 */
@Startup
@ApplicationScoped
public class LiveHub {

    private static final Logger LOG = Logger.getLogger(LiveHub.class);

    /** A subscriber's place in the hub; closing it removes the subscriber. */
    public final class Watch implements AutoCloseable {
        private final String streamId;
        private final String sessionId;
        private final Signal signal = new Signal();
        private boolean drained;

        private Watch(String streamId, String sessionId) {
            this.streamId = streamId;
            this.sessionId = sessionId;
        }

        public Signal signal() {
            return signal;
        }

        /** True once this replica is shutting down: the subscriber should end and let its client go elsewhere. */
        public boolean draining() {
            return draining;
        }

        /**
         * For a tail's next step: null while the replica serves; once it drains, the reconnect hint the
         * first time and an empty list (the end of the tail) after that.
         */
        List<Frame> drainFrames(int retryMillis) {
            if (!draining) {
                return null;
            }
            if (drained) {
                return List.of();
            }
            drained = true;
            return List.of(Frame.reconnect(retryMillis));
        }

        @Override
        public void close() {
            all.remove(signal);
            remove(byStream, streamId, signal);
            remove(bySession, sessionId, signal);
        }
    }

    private final ConcurrentHashMap<String, Set<Signal>> byStream = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<Signal>> bySession = new ConcurrentHashMap<>();
    private final Set<Signal> all = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    public LiveHub(MeterRegistry metrics) {
        metrics.gauge("journal.live.subscribers", all, Set::size);
    }

    /** Watches a stream (when {@code streamId} is not null) and a session (when {@code sessionId} is not null). */
    public Watch watch(String streamId, String sessionId) {
        Watch watch = new Watch(streamId, sessionId);
        add(byStream, streamId, watch.signal);
        add(bySession, sessionId, watch.signal);
        all.add(watch.signal);
        return watch;
    }

    /** Wakes the subscribers of the notice's stream and session. */
    public void publish(JournalNotice notice) {
        wake(byStream.get(notice.streamId()));
        wake(bySession.get(notice.sessionId()));
    }

    /** Wakes every subscriber, so that all catch up from the journal (after the LISTEN connection returns). */
    public void wakeAll() {
        all.forEach(Signal::wake);
    }

    /**
     * Called when the replica starts shutting down (SIGTERM; readiness is down from now on): every tail
     * sends its client a reconnect hint and ends, every parked long-poll answers at once, so that clients
     * resume on another replica while in-flight appends finish here.
     */
    void drain(@Observes ShutdownDelayInitiatedEvent shutdown) {
        draining = true;
        LOG.infof("shutting down: draining %d live subscriber(s)", all.size());
        wakeAll();
    }

    public int subscribers() {
        return all.size();
    }

    private static void wake(Set<Signal> signals) {
        if (signals != null) {
            signals.forEach(Signal::wake);
        }
    }

    private static void add(ConcurrentHashMap<String, Set<Signal>> index, String key, Signal signal) {
        if (key != null) {
            index.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(signal);
        }
    }

    private static void remove(ConcurrentHashMap<String, Set<Signal>> index, String key, Signal signal) {
        if (key != null) {
            index.computeIfPresent(key, (k, signals) -> {
                signals.remove(signal);
                return signals.isEmpty() ? null : signals;
            });
        }
    }
}
