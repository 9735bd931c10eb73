package dev.streamjournal.live;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Runs a feed's refresh on the feed's own event loop, one at a time: a request while it runs makes it
 * run once more afterwards, so any number of wakes costs at most one extra read. A failed refresh is
 * retried after a pause while the feed is still wanted.
 */
public final class SingleFlight {

    private static final Logger LOG = Logger.getLogger(SingleFlight.class);
    private static final long RETRY_MILLIS = 500;
    /** A refresh that takes longer (a connection lost without notice) is given up and retried. */
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);

    private final Context context;
    private final Supplier<Uni<Boolean>> step;
    private final BooleanSupplier wanted;
    private boolean running;
    private boolean again;

    /**
     * @param step   one refresh; its item tells whether there is more to do right away
     * @param wanted false once nobody listens, which ends retries
     */
    public SingleFlight(Context context, Supplier<Uni<Boolean>> step, BooleanSupplier wanted) {
        this.context = context;
        this.step = step;
        this.wanted = wanted;
    }

    public void request() {
        synchronized (this) {
            if (running) {
                again = true;
                return;
            }
            running = true;
        }
        context.runOnContext(v -> run());
    }

    private void run() {
        synchronized (this) {
            again = false;
        }
        Uni.createFrom().<Boolean>deferred(() -> step.get())
                .ifNoItem().after(STEP_TIMEOUT).fail()
                .subscribe().with(
                more -> finish(more),
                failure -> {
                    LOG.debugf("live feed refresh failed (%s); retrying", failure.toString());
                    context.owner().setTimer(RETRY_MILLIS, id -> finish(true));
                });
    }

    private void finish(boolean more) {
        synchronized (this) {
            if (!(more || again) || !wanted.getAsBoolean()) {
                running = false;
                return;
            }
        }
        run();
    }
}
