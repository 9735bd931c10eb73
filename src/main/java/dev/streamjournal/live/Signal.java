package dev.streamjournal.live;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A wake-up signal of one subscriber. It carries no data: a woken subscriber reads the journal after
 * its own cursor, so a wake can never deliver a gap or a duplicate. A version counter closes the race
 * between "read, found nothing" and "wait": a wake in between is seen as a changed version. A woken
 * subscriber continues on its own event loop, so a feed with thousands of subscribers spreads their
 * writes over all event loops instead of running them one after another on its own.
 */
public final class Signal {

    private static final Duration SHORTEST = Duration.ofMillis(1);

    private final AtomicLong version = new AtomicLong();
    private final AtomicReference<Waiter> waiter = new AtomicReference<>();

    /** A parked subscriber, resumed on its own event loop (when it has one) rather than on the waker's. */
    private record Waiter(CompletableFuture<Boolean> future, Context context) {
        void resume() {
            if (context == null || context == Vertx.currentContext()) {
                future.complete(Boolean.TRUE);
            } else {
                context.runOnContext(v -> future.complete(Boolean.TRUE));
            }
        }
    }
    private volatile long lastWakeNanos;

    /** The version to pass to {@link #awaitChange} after reading what is there now. */
    public long version() {
        return version.get();
    }

    /** When the latest wake arrived ({@link System#nanoTime()}), for measuring push delays. */
    public long lastWakeNanos() {
        return lastWakeNanos;
    }

    public void wake() {
        wake(System.nanoTime());
    }

    /** Wakes with the time the cause of the wake happened ({@link System#nanoTime()}). */
    public void wake(long nanos) {
        lastWakeNanos = nanos;
        version.incrementAndGet();
        Waiter pending = waiter.getAndSet(null);
        if (pending != null) {
            pending.resume();
        }
    }

    /**
     * Completes with true at the first wake after {@code seen}, or with false after {@code timeout}, of at
     * least a millisecond: a Vert.x timer refuses less, and a long-poll whose wake-ups leave it less than
     * that would never answer.
     */
    public Uni<Boolean> awaitChange(long seen, Duration timeout) {
        if (version.get() != seen) {
            return Uni.createFrom().item(Boolean.TRUE);
        }
        CompletableFuture<Boolean> pending = new CompletableFuture<>();
        Waiter previous = waiter.getAndSet(new Waiter(pending, Vertx.currentContext()));
        if (previous != null) {
            previous.future().complete(Boolean.TRUE);
        }
        if (version.get() != seen) {
            pending.complete(Boolean.TRUE);
        }
        return Uni.createFrom().completionStage(pending)
                .ifNoItem().after(timeout.compareTo(SHORTEST) < 0 ? SHORTEST : timeout).recoverWithItem(Boolean.FALSE);
    }
}
