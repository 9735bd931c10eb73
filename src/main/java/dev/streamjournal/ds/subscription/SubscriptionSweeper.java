package dev.streamjournal.ds.subscription;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** Runs this replica's subscription sweep ({@link SubscriptionService#sweep}) every {@code sweep-interval}. */
@ApplicationScoped
public class SubscriptionSweeper {

    private static final Logger LOG = Logger.getLogger(SubscriptionSweeper.class);

    private final SubscriptionService service;

    public SubscriptionSweeper(SubscriptionService service) {
        this.service = service;
    }

    @Scheduled(every = "${journal.ds.subscriptions.sweep-interval:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return service.sweep().replaceWithVoid().onFailure().recoverWithItem(failure -> {
            LOG.warnf("subscription sweep failed (the next one retries): %s", failure.toString());
            return null;
        });
    }
}
