package dev.streamjournal.live;

import dev.streamjournal.common.Ids;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.common.QueryParams;
import dev.streamjournal.journal.JournalReader;
import dev.streamjournal.security.Caller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Opens live channels: the tail of one stream, and the channel of a whole session. */
@Startup
@ApplicationScoped
public class LiveChannels {

    private final JournalReader reader;
    private final LiveHub hub;
    private final Feeds feeds;
    private final LiveConfig config;
    private final Timer pushDelay;
    private final Counter catchUpReads;

    public LiveChannels(JournalReader reader, LiveHub hub, Feeds feeds, LiveConfig config, MeterRegistry metrics) {
        this.reader = reader;
        this.hub = hub;
        this.feeds = feeds;
        this.config = config;
        this.pushDelay = Timer.builder("journal.live.push.delay")
                .description("from a feed's read of a change to the frames handed to a connection")
                .publishPercentileHistogram()
                .register(metrics);
        this.catchUpReads = Counter.builder("journal.live.catchup.reads")
                .description("journal reads of subscribers behind their feed's buffer (replays, slow clients)")
                .register(metrics);
    }

    /** The tail of a stream after {@code cursor}, in batches of frames; the stream must exist and be the caller's. */
    public Multi<List<Frame>> stream(String streamId, String sessionId, int cursor, Caller caller) {
        requireUnexpired(caller);
        return Multi.createFrom().deferred(() -> {
            LiveHub.Watch watch = watch(sessionId, caller);
            StreamFeed feed = watch.follow(streamId);
            return new StreamTail(follower(streamId, cursor, false, caller), feed, watch, config, pushDelay).frames();
        });
    }

    /**
     * The whole of a stream from its first event, in batches of frames, ending right after the settlement of
     * its terminal event (or when it turns stale or vanishes): what the AI SDK's UI message stream is made of.
     */
    public Multi<List<Frame>> wholeStream(String streamId, String sessionId, Caller caller) {
        requireUnexpired(caller);
        return Multi.createFrom().deferred(() -> {
            LiveHub.Watch watch = watch(sessionId, caller);
            StreamFeed feed = watch.follow(streamId);
            return new StreamTail(follower(streamId, 0, false, caller).endingAtSettlement(), feed, watch, config,
                    pushDelay).frames();
        });
    }

    /** The channel of a session in batches of frames, resumed after {@code <streamId>:<seq>} when given. */
    public Multi<List<Frame>> session(String sessionId, String lastEventId, Caller caller) {
        requireUnexpired(caller);
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
        String resumeStreamId = resumeStream;
        int resumeAfter = resumeSeq;
        return Multi.createFrom().deferred(() -> new SessionTail(sessionId, resumeStreamId, resumeAfter,
                watch(sessionId, caller), config, (streamId, cursor) -> follower(streamId, cursor, true, caller))
                .frames());
    }

    /** A live channel's hold on the session, ending when the caller's token expires. */
    private LiveHub.Watch watch(String sessionId, Caller caller) {
        LiveHub.Watch watch = hub.watch(sessionId, caller.tenant(), false);
        watch.expireAt(caller.expiresAt());
        return watch;
    }

    /**
     * A token past its expiry can still pass verification within the verifier's clock skew; a live channel
     * opened with it would end at once and be reopened with the same token in a loop, so it is refused.
     */
    private static void requireUnexpired(Caller caller) {
        if (caller.expiresAt() != null && !caller.expiresAt().isAfter(Instant.now())) {
            throw new ProblemException(401, "unauthorized", "Unauthorized",
                    "the bearer token has expired: reconnect with a fresh one", Map.of());
        }
    }

    private StreamFollower follower(String streamId, int cursor, boolean qualifiedIds, Caller caller) {
        return new StreamFollower(streamId, cursor, qualifiedIds, (id, after, limit) -> {
            catchUpReads.increment();
            return reader.after(id, caller.tenant(), after, limit, StreamFeed.BUFFER_BYTES);
        }, config.catchUpPageSize(), feeds::entry);
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
