package dev.streamjournal.live;

import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The live tail of one stream for one client: replay after the client's cursor, then what the stream's
 * feed reads at each change. Replay and live are one loop over one cursor, so the hand-over has no gap
 * and no duplicate. Frames are produced only on demand of the connection; a slow client falls behind
 * the feed's buffer and then reads its own pages from the journal.
 */
final class StreamTail {

    private final StreamFollower follower;
    private final StreamFeed feed;
    private final LiveHub.Watch watch;
    private final LiveConfig config;
    private final Timer pushDelay;
    private boolean started;

    StreamTail(StreamFollower follower, StreamFeed feed, LiveHub.Watch watch, LiveConfig config, Timer pushDelay) {
        this.follower = follower;
        this.feed = feed;
        this.watch = watch;
        this.config = config;
        this.pushDelay = pushDelay;
    }

    /** The frames, in batches, until the tail ends; the watch is released however the connection ends. */
    Multi<List<Frame>> frames() {
        return Multi.createBy().repeating().uni(this::next).until(List::isEmpty)
                .onTermination().invoke(watch::close);
    }

    /** The next frames; an empty list ends the tail. */
    private Uni<List<Frame>> next() {
        if (follower.done()) {
            return Uni.createFrom().item(List.of());
        }
        List<Frame> drain = watch.endFrames(config.retryMillis());
        if (drain != null) {
            return Uni.createFrom().item(drain);
        }
        if (!started) {
            started = true;
            return Uni.createFrom().item(List.of(Frame.retry(config.retryMillis(), "stream " + follower.streamId())));
        }
        return read(false);
    }

    private Uni<List<Frame>> read(boolean woken) {
        long seen = watch.signal().version();
        StreamFeed.View view = feed.view();
        Uni<List<Frame>> frames = view == null ? Uni.createFrom().item(List.of()) : follower.next(view);
        return frames.chain(next -> {
            if (!next.isEmpty() || follower.done()) {
                if (woken) {
                    pushDelay.record(System.nanoTime() - watch.signal().lastWakeNanos(), TimeUnit.NANOSECONDS);
                }
                return Uni.createFrom().item(next);
            }
            return watch.signal().awaitChange(seen, config.keepAlive())
                    .chain(woke -> woke && watch.ending() ? next()
                            : woke ? read(true)
                            : Uni.createFrom().item(List.of(Frame.comment("keep-alive"))));
        });
    }
}
