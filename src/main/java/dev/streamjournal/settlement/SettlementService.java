package dev.streamjournal.settlement;

import dev.streamjournal.live.LiveHub;
import dev.streamjournal.security.Caller;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Answers settlements from the journal. A long-poll parks on the live hub (woken by the commit
 * notification of the stream or of its session) and re-decides at each wake; it never polls the database.
 */
@Startup
@ApplicationScoped
public class SettlementService {

    private final SettlementRepository repository;
    private final LiveHub hub;
    private final MeterRegistry metrics;
    private final AtomicInteger parked = new AtomicInteger();

    public SettlementService(SettlementRepository repository, LiveHub hub, MeterRegistry metrics) {
        this.repository = repository;
        this.hub = hub;
        this.metrics = metrics;
        metrics.gauge("journal.settlement.parked", parked);
    }

    /** The settlement now. */
    public Uni<Settlement> settle(String streamId, Caller caller) {
        return repository.facts(streamId, caller.tenant())
                .map(facts -> SettlementDecision.decide(streamId, facts, Instant.now()))
                .invoke(settlement -> metrics.counter("journal.settlement.outcomes",
                        "outcome", settlement.outcome().word()).increment());
    }

    /** The settlement at the first change while it is {@code active}, or {@code active} after {@code wait}. */
    public Uni<Settlement> await(String streamId, Caller caller, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        return settle(streamId, caller).chain(first -> {
            if (first.outcome() != Outcome.ACTIVE || wait.isZero()) {
                return Uni.createFrom().item(first);
            }
            LiveHub.Watch watch = hub.watch(streamId, first.sessionId());
            parked.incrementAndGet();
            return parkedLoop(streamId, caller, watch, deadline)
                    .onTermination().invoke(() -> {
                        parked.decrementAndGet();
                        watch.close();
                    });
        });
    }

    private Uni<Settlement> parkedLoop(String streamId, Caller caller, LiveHub.Watch watch, long deadline) {
        long seen = watch.signal().version();
        return settle(streamId, caller).chain(settlement -> {
            long remaining = deadline - System.nanoTime();
            if (settlement.outcome() != Outcome.ACTIVE || remaining <= 0 || watch.draining()) {
                return Uni.createFrom().item(settlement);
            }
            return watch.signal().awaitChange(seen, Duration.ofNanos(remaining))
                    .chain(woke -> parkedLoop(streamId, caller, watch, deadline));
        });
    }
}
