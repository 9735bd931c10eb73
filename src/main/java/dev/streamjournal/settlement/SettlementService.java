package dev.streamjournal.settlement;

import dev.streamjournal.security.Caller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Answers settlements from the journal. A long-poll parks on the live hub ({@link SettlementFeeds}), whose feed of the stream
 * decides once per change that can alter the outcome; it never polls the database.
 */
@Startup
@ApplicationScoped
public class SettlementService {

    private final SettlementRepository repository;
    private final SettlementFeeds feeds;
    private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
    private final AtomicInteger parked = new AtomicInteger();

    public SettlementService(SettlementRepository repository, SettlementFeeds feeds, MeterRegistry metrics) {
        this.repository = repository;
        this.feeds = feeds;
        for (Outcome outcome : Outcome.values()) {
            outcomes.put(outcome, metrics.counter("journal.settlement.outcomes", "outcome", outcome.word()));
        }
        metrics.gauge("journal.settlement.parked", parked);
    }

    /** The settlement now. */
    public Uni<Settlement> settle(String streamId, Caller caller) {
        return repository.facts(streamId, caller.tenant())
                .map(facts -> SettlementDecision.decide(streamId, facts, Instant.now()))
                .invoke(settlement -> outcomes.get(settlement.outcome()).increment());
    }

    /**
     * The settlement at the first change while it is {@code active}, or {@code active} after {@code wait}.
     * The wait parks on the stream's live feed, which decides once per change for every waiting client.
     */
    public Uni<Settlement> await(String streamId, Caller caller, Duration wait) {
        return settle(streamId, caller).chain(first -> {
            if (first.outcome() != Outcome.ACTIVE || wait.isZero()) {
                return Uni.createFrom().item(first);
            }
            parked.incrementAndGet();
            return feeds.awaitSettled(first.sessionId(), streamId, caller.tenant(), wait)
                    .onTermination().invoke(parked::decrementAndGet)
                    .chain(settled -> settled != null ? Uni.createFrom().item(settled) : settle(streamId, caller));
        });
    }
}
