package dev.streamjournal.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.common.Ids;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.common.QueryParams;
import dev.streamjournal.journal.JournalReader;
import dev.streamjournal.security.Caller;
import dev.streamjournal.settlement.SettlementService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/** Opens live channels: the tail of one stream, and the channel of a whole session. */
@Startup
@ApplicationScoped
public class LiveChannels {

    private final JournalReader reader;
    private final SettlementService settlements;
    private final LiveHub hub;
    private final ObjectMapper json;
    private final LiveConfig config;
    private final Timer pushDelay;

    public LiveChannels(JournalReader reader, SettlementService settlements, LiveHub hub, ObjectMapper json,
            LiveConfig config, MeterRegistry metrics) {
        this.reader = reader;
        this.settlements = settlements;
        this.hub = hub;
        this.json = json;
        this.config = config;
        this.pushDelay = Timer.builder("journal.live.push.delay")
                .description("from the commit notification to the frames handed to the connection")
                .publishPercentileHistogram()
                .register(metrics);
    }

    /** The tail of a stream after {@code cursor}; the stream must exist. */
    public Multi<Frame> stream(String streamId, String sessionId, int cursor, Caller caller) {
        StreamFollower follower = new StreamFollower(streamId, cursor, false, caller, settlements, json);
        return new StreamTail(follower, hub.watch(streamId, sessionId), reader, config, pushDelay).frames();
    }

    /** The channel of a session, resumed after {@code <streamId>:<seq>} when given; the session must exist. */
    public Multi<Frame> session(String sessionId, String lastEventId, Caller caller) {
        String resumeStream = null;
        int resumeSeq = 0;
        if (lastEventId != null && !lastEventId.isBlank()) {
            int colon = lastEventId.lastIndexOf(':');
            if (colon <= 0) {
                throw ProblemException.invalidRequest("Last-Event-ID of a session channel is <streamId>:<seq>");
            }
            resumeStream = Ids.require("Last-Event-ID stream", lastEventId.substring(0, colon));
            resumeSeq = QueryParams.intInRange("Last-Event-ID seq", lastEventId.substring(colon + 1), 0,
                    Integer.MAX_VALUE, 0);
        }
        return new SessionTail(sessionId, resumeStream, resumeSeq, caller, hub.watch(null, sessionId), reader,
                settlements, json, config).frames();
    }

    /** {@code Last-Event-ID} of a stream tail: {@code <seq>}, or {@code <streamId>:<seq>} of this stream. */
    public static int streamCursor(String streamId, String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return 0;
        }
        String seq = lastEventId;
        int colon = lastEventId.lastIndexOf(':');
        if (colon >= 0) {
            if (!lastEventId.substring(0, colon).equals(streamId)) {
                throw ProblemException.invalidRequest("Last-Event-ID names another stream");
            }
            seq = lastEventId.substring(colon + 1);
        }
        return QueryParams.intInRange("Last-Event-ID", seq, 0, Integer.MAX_VALUE, 0);
    }
}
