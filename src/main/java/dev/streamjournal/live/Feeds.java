package dev.streamjournal.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.journal.JournalEvent;
import dev.streamjournal.journal.JournalReader;
import dev.streamjournal.settlement.Settlement;
import dev.streamjournal.settlement.SettlementDecision;
import dev.streamjournal.settlement.SettlementRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/** The reads and the framing that feeds share; counts every database read a feed makes. */
@ApplicationScoped
public class Feeds {

    private final JournalReader reader;
    private final SettlementRepository settlements;
    private final ObjectMapper json;
    private final LiveConfig config;
    private final Counter reads;

    public Feeds(JournalReader reader, SettlementRepository settlements, ObjectMapper json, LiveConfig config,
            MeterRegistry metrics) {
        this.reader = reader;
        this.settlements = settlements;
        this.json = json;
        this.config = config;
        this.reads = Counter.builder("journal.live.feed.reads")
                .description("journal reads of live feeds: one per change of a followed stream, whatever its subscribers")
                .register(metrics);
    }

    int pageSize() {
        return config.pageSize();
    }

    /** The page after {@code afterSeq}. */
    Uni<List<JournalEvent>> page(String streamId, String tenant, int afterSeq) {
        reads.increment();
        return reader.after(streamId, tenant, afterSeq, config.pageSize());
    }

    /** The settlement now, with the seq of the terminal event. */
    Uni<StreamFeed.Decision> decide(String streamId, String tenant) {
        reads.increment();
        return settlements.facts(streamId, tenant).map(facts -> {
            Settlement settlement = SettlementDecision.decide(streamId, facts, Instant.now());
            Integer terminalSeq = facts == null ? null : facts.terminalSeq();
            return new StreamFeed.Decision(settlement, terminalSeq, Frame.event("settlement", null, write(settlement)));
        });
    }

    /** The stream ids of a session in creation order. */
    Uni<List<String>> streamsOfSession(String sessionId, String tenant) {
        reads.increment();
        return reader.streamIdsOfSession(sessionId, tenant);
    }

    StreamFeed.Entry entry(JournalEvent event) {
        String data = write(event);
        return new StreamFeed.Entry(event.seq(), event.type(),
                Frame.event(event.type(), String.valueOf(event.seq()), data),
                Frame.event(event.type(), event.streamId() + ":" + event.seq(), data));
    }

    String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
