package dev.streamjournal.live;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Every stream of one session on one connection. Each stream is followed with its own cursor, so a new
 * stream whose seq restarts at 1 is never hidden by an older stream's cursor, and an old stream's late
 * events are framed as that stream's ({@code id: <streamId>:<seq>}). A new stream is announced with a
 * {@code stream_started} frame ({@code id: <streamId>:0}). Without a cursor the channel starts at the
 * session's newest stream; with {@code Last-Event-ID: <streamId>:<seq>} it resumes that stream after
 * {@code seq} and follows every later one. Streams are served in creation order. It never ends by itself.
 */
final class SessionTail {

    private final String sessionId;
    private final LiveHub.Watch watch;
    private final LiveConfig config;
    private final String resumeStreamId;
    private final int resumeSeq;
    private final BiFunction<String, Integer, StreamFollower> followers;

    /** Followed streams in creation order; a stream leaves when its follower is done. */
    private final Map<String, Followed> followed = new LinkedHashMap<>();
    private final Set<String> announced = new HashSet<>();
    private final Set<String> known = new HashSet<>();
    private boolean initialised;
    private boolean started;

    private record Followed(StreamFollower follower, StreamFeed feed) {
    }

    /** @param followers a follower of a stream from a cursor, with {@code <streamId>:<seq>} ids */
    SessionTail(String sessionId, String resumeStreamId, int resumeSeq, LiveHub.Watch watch, LiveConfig config,
            BiFunction<String, Integer, StreamFollower> followers) {
        this.sessionId = sessionId;
        this.resumeStreamId = resumeStreamId;
        this.resumeSeq = resumeSeq;
        this.watch = watch;
        this.config = config;
        this.followers = followers;
    }

    Multi<List<Frame>> frames() {
        return Multi.createBy().repeating().uni(this::next).until(List::isEmpty)
                .onTermination().invoke(watch::close);
    }

    private Uni<List<Frame>> next() {
        List<Frame> drain = watch.endFrames(config.retryMillis());
        if (drain != null) {
            return Uni.createFrom().item(drain);
        }
        if (!started) {
            started = true;
            return Uni.createFrom().item(List.of(Frame.retry(config.retryMillis(), "session " + sessionId)));
        }
        long seen = watch.signal().version();
        List<String> listing = watch.listing();
        Uni<List<Frame>> frames = Uni.createFrom().item(List.of());
        if (listing != null) {
            track(listing);
            frames = step(List.copyOf(followed.keySet()), 0);
        }
        return frames.chain(next -> next.isEmpty()
                ? watch.signal().awaitChange(seen, config.keepAlive())
                        .chain(woke -> woke ? next() : Uni.createFrom().item(List.of(Frame.comment("keep-alive"))))
                : Uni.createFrom().item(next));
    }

    /** Starts following the streams this channel has not seen yet. */
    private void track(List<String> streams) {
        if (!initialised) {
            initialised = true;
            int from = Math.max(0, streams.indexOf(resumeStreamId));
            if (resumeStreamId == null || !streams.contains(resumeStreamId)) {
                from = streams.size() - 1;
            }
            for (int i = 0; i < streams.size(); i++) {
                String streamId = streams.get(i);
                known.add(streamId);
                if (i < from) {
                    continue;
                }
                boolean resumed = streamId.equals(resumeStreamId);
                follow(streamId, resumed ? resumeSeq : 0);
                if (resumed) {
                    announced.add(streamId);
                }
            }
            return;
        }
        for (String streamId : streams) {
            if (known.add(streamId)) {
                boolean resumed = streamId.equals(resumeStreamId);
                follow(streamId, resumed ? resumeSeq : 0);
                if (resumed) {
                    announced.add(streamId);
                }
            }
        }
    }

    private void follow(String streamId, int cursor) {
        followed.put(streamId, new Followed(followers.apply(streamId, cursor), watch.follow(streamId)));
    }

    /**
     * The frames of the first followed stream, in creation order from {@code from}, with something to
     * send. A followed stream that left the session's listing (pruned) is still visited: it settles
     * {@code missing} and ends.
     */
    private Uni<List<Frame>> step(List<String> streams, int from) {
        for (int i = from; i < streams.size(); i++) {
            String streamId = streams.get(i);
            Followed stream = followed.get(streamId);
            if (stream == null) {
                continue;
            }
            if (announced.add(streamId)) {
                return Uni.createFrom().item(List.of(Frame.event("stream_started", streamId + ":0",
                        "{\"streamId\":\"" + streamId + "\",\"sessionId\":\"" + sessionId + "\"}")));
            }
            StreamFeed.View view = stream.feed().view();
            if (view == null) {
                // keep creation order: wait for this stream's first view (its feed wakes us)
                return Uni.createFrom().item(List.of());
            }
            int next = i + 1;
            return stream.follower().next(view).chain(frames -> {
                if (stream.follower().done()) {
                    followed.remove(streamId);
                    watch.unfollow(stream.feed());
                }
                return frames.isEmpty() ? step(streams, next) : Uni.createFrom().item(frames);
            });
        }
        return Uni.createFrom().item(List.of());
    }
}
