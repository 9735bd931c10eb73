package dev.streamjournal.live;

import dev.streamjournal.journal.JournalReader;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The live tail of one stream for one client: replay from the journal after the client's cursor, then
 * the same reads each time the hub wakes it. Replay and live are one loop over one cursor, so the
 * hand-over has no gap and no duplicate. Reads happen only on demand of the connection, so a slow
 * client holds at most one page in memory and catches up from the journal.
 */
final class StreamTail {

    private final StreamFollower follower;
    private final LiveHub.Watch watch;
    private final JournalReader reader;
    private final LiveConfig config;
    private final Timer pushDelay;
    private boolean started;

    StreamTail(StreamFollower follower, LiveHub.Watch watch, JournalReader reader, LiveConfig config, Timer pushDelay) {
        this.follower = follower;
        this.watch = watch;
        this.reader = reader;
        this.config = config;
        this.pushDelay = pushDelay;
    }

    /** The frames until the tail ends; the watch is released however the connection ends. */
    Multi<Frame> frames() {
        return Multi.createBy().repeating().uni(this::next).until(List::isEmpty)
                .onItem().<Frame>disjoint()
                .onTermination().invoke(watch::close);
    }

    /** The next frames; an empty list ends the tail. */
    private Uni<List<Frame>> next() {
        if (follower.done()) {
            return Uni.createFrom().item(List.of());
        }
        List<Frame> drain = watch.drainFrames(config.retryMillis());
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
        return reader.after(follower.streamId(), follower.cursor(), config.pageSize())
                .chain(events -> {
                    if (events.isEmpty()) {
                        return follower.checkStale();
                    }
                    if (woken) {
                        pushDelay.record(System.nanoTime() - watch.signal().lastWakeNanos(), TimeUnit.NANOSECONDS);
                    }
                    return follower.follow(events);
                })
                .chain(frames -> frames.isEmpty() && !follower.done()
                        ? watch.signal().awaitChange(seen, config.keepAlive())
                                .chain(woke -> woke && watch.draining() ? next()
                                        : woke ? read(true)
                                        : Uni.createFrom().item(List.of(Frame.comment("keep-alive"))))
                        : Uni.createFrom().item(frames));
    }
}
