package dev.streamjournal.live;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * A wake-up signal of one subscriber. It carries no data: a woken subscriber reads the journal after
 * its own cursor, so a wake can never deliver a gap or a duplicate. A version counter closes the race
 * between "read, found nothing" and "wait": a wake in between is seen as a changed version. A woken
 * subscriber continues on its own event loop, so a feed with thousands of subscribers spreads their
 * writes over all event loops instead of running them one after another on its own.
 *
 * <p>A parked subscriber is one small object and a timer, not a pipeline: a replica holds tens of
 * thousands of them while their streams are idle.
 */
public final class Signal {

    private static final Logger LOG = Logger.getLogger(Signal.class);
    private static final Duration SHORTEST = Duration.ofMillis(1);

    private final AtomicLong version = new AtomicLong();
    private final AtomicReference<Waiter> waiter = new AtomicReference<>();
    private volatile long lastWakeNanos;

    /** A parked subscriber: answered once, on its own event loop (when it has one) rather than on the waker's. */
    private final class Waiter implements Runnable {
        private final Consumer<Boolean> then;
        private final Context context;
        private final AtomicBoolean answered = new AtomicBoolean();
        private volatile long timer = -1;
        private volatile Future<?> scheduled;

        Waiter(Consumer<Boolean> then, Context context) {
            this.then = then;
            this.context = context;
        }

        void arm(Duration timeout) {
            long millis = millisAtLeast(timeout.toNanos());
            if (context != null) {
                timer = context.owner().setTimer(millis, id -> expire());
            } else {
                scheduled = Infrastructure.getDefaultWorkerPool().schedule(this::expire, millis, TimeUnit.MILLISECONDS);
            }
            if (answered.get()) {
                disarm();
            }
        }

        private void expire() {
            waiter.compareAndSet(this, null);
            answer(false);
        }

        void answer(boolean woke) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            disarm();
            if (context == null || context == Vertx.currentContext()) {
                deliver(woke);
            } else {
                context.runOnContext(v -> deliver(woke));
            }
        }

        /** A subscriber that fails must not break the waker's loop over the others. */
        private void deliver(boolean woke) {
            try {
                then.accept(woke);
            } catch (Throwable e) {
                LOG.error("a woken subscriber failed", e);
            }
        }

        /** Cancel: the subscriber left; nothing is answered. */
        @Override
        public void run() {
            if (answered.compareAndSet(false, true)) {
                waiter.compareAndSet(this, null);
                disarm();
            }
        }

        private void disarm() {
            long id = timer;
            if (id >= 0) {
                context.owner().cancelTimer(id);
            }
            Future<?> task = scheduled;
            if (task != null) {
                task.cancel(false);
            }
        }
    }

    /**
     * A timer's delay for {@code nanos}: rounded up, so that it never fires before its time, and at least a
     * millisecond, which is the least a Vert.x timer takes.
     */
    public static long millisAtLeast(long nanos) {
        return Math.max(SHORTEST.toMillis(), (nanos + 999_999) / 1_000_000);
    }

    /** The version to pass to {@link #onChange} or {@link #awaitChange} after reading what is there now. */
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
            pending.answer(true);
        }
    }

    /**
     * Calls {@code then} with true at the first wake after {@code seen}, or with false after
     * {@code timeout}, of at least a millisecond: a Vert.x timer refuses less, and a long-poll whose
     * wake-ups leave it less than that would never answer. At most one subscriber waits: a newer wait
     * answers the older one with true. Returns what cancels the wait (then nothing is answered).
     */
    public Runnable onChange(long seen, Duration timeout, Consumer<Boolean> then) {
        if (version.get() != seen) {
            then.accept(Boolean.TRUE);
            return () -> {
            };
        }
        Waiter parked = new Waiter(then, Vertx.currentContext());
        Waiter previous = waiter.getAndSet(parked);
        if (previous != null) {
            previous.answer(true);
        }
        if (version.get() != seen) {
            waiter.compareAndSet(parked, null);
            parked.answer(true);
            return parked;
        }
        parked.arm(timeout);
        return parked;
    }

    /** {@link #onChange} as a {@link Uni}: true when woken, false at the timeout; cancelling it ends the wait. */
    public Uni<Boolean> awaitChange(long seen, Duration timeout) {
        if (version.get() != seen) {
            return Uni.createFrom().item(Boolean.TRUE);
        }
        return Uni.createFrom().emitter(emitter -> {
            Runnable cancel = onChange(seen, timeout, emitter::complete);
            emitter.onTermination(cancel);
        });
    }
}
