package dev.streamjournal.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.journal.JournalReader;
import dev.streamjournal.journal.JournalRepository.StreamPosition;
import dev.streamjournal.security.Caller;
import dev.streamjournal.settlement.SettlementService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every stream of one session on one connection. Each stream is followed with its own cursor, so a new
 * stream whose seq restarts at 1 is never hidden by an older stream's cursor, and an old stream's late
 * events are framed as that stream's ({@code id: <streamId>:<seq>}). A new stream is announced with a
 * {@code stream_started} frame ({@code id: <streamId>:0}). Without a cursor the channel starts at the
 * session's newest stream; with {@code Last-Event-ID: <streamId>:<seq>} it resumes that stream after
 * {@code seq} and follows every later one. It never ends by itself.
 */
final class SessionTail {

    private final String sessionId;
    private final Caller caller;
    private final LiveHub.Watch watch;
    private final JournalReader reader;
    private final SettlementService settlements;
    private final ObjectMapper json;
    private final LiveConfig config;
    private final String resumeStreamId;
    private final int resumeSeq;

    /** Followed streams in creation order; a stream leaves when its follower is done. */
    private final Map<String, StreamFollower> followers = new LinkedHashMap<>();
    private final Set<String> announced = new HashSet<>();
    private final Set<String> known = new HashSet<>();
    private boolean started;
    private boolean initialised;

    SessionTail(String sessionId, String resumeStreamId, int resumeSeq, Caller caller, LiveHub.Watch watch,
            JournalReader reader, SettlementService settlements, ObjectMapper json, LiveConfig config) {
        this.sessionId = sessionId;
        this.resumeStreamId = resumeStreamId;
        this.resumeSeq = resumeSeq;
        this.caller = caller;
        this.watch = watch;
        this.reader = reader;
        this.settlements = settlements;
        this.json = json;
        this.config = config;
    }

    Multi<Frame> frames() {
        return Multi.createBy().repeating().uni(this::next).until(List::isEmpty)
                .onItem().<Frame>disjoint()
                .onTermination().invoke(watch::close);
    }

    private Uni<List<Frame>> next() {
        List<Frame> drain = watch.drainFrames(config.retryMillis());
        if (drain != null) {
            return Uni.createFrom().item(drain);
        }
        if (!started) {
            started = true;
            return Uni.createFrom().item(List.of(Frame.retry(config.retryMillis(), "session " + sessionId)));
        }
        long seen = watch.signal().version();
        return reader.streamsOfSession(sessionId, caller).chain(streams -> {
            track(streams);
            return step(streams);
        }).chain(frames -> frames.isEmpty()
                ? watch.signal().awaitChange(seen, config.keepAlive())
                        .chain(woke -> woke ? next() : Uni.createFrom().item(List.of(Frame.comment("keep-alive"))))
                : Uni.createFrom().item(frames));
    }

    /** Starts following the streams this channel has not seen yet. */
    private void track(List<StreamPosition> streams) {
        if (!initialised) {
            initialised = true;
            int from = streams.size() - 1;
            for (int i = 0; i < streams.size(); i++) {
                if (streams.get(i).streamId().equals(resumeStreamId)) {
                    from = i;
                }
            }
            for (int i = 0; i < streams.size(); i++) {
                String streamId = streams.get(i).streamId();
                known.add(streamId);
                if (i < from) {
                    continue;
                }
                boolean resumed = streamId.equals(resumeStreamId);
                followers.put(streamId, follower(streamId, resumed ? resumeSeq : 0));
                if (resumed) {
                    announced.add(streamId);
                }
            }
            return;
        }
        for (StreamPosition stream : streams) {
            if (known.add(stream.streamId())) {
                followers.put(stream.streamId(), follower(stream.streamId(), 0));
            }
        }
    }

    /** The frames of the first stream with something to send, or of the first stream that turned stale. */
    private Uni<List<Frame>> step(List<StreamPosition> streams) {
        String newest = streams.isEmpty() ? null : streams.get(streams.size() - 1).streamId();
        List<StreamFollower> stale = new ArrayList<>();
        for (StreamPosition stream : streams) {
            StreamFollower follower = followers.get(stream.streamId());
            if (follower == null) {
                continue;
            }
            if (announced.add(stream.streamId())) {
                return Uni.createFrom().item(List.of(Frame.event("stream_started", stream.streamId() + ":0",
                        follower.write(Map.of("streamId", stream.streamId(), "sessionId", sessionId)))));
            }
            if (stream.lastSeq() > follower.cursor()) {
                return reader.after(stream.streamId(), follower.cursor(), config.pageSize())
                        .chain(follower::follow)
                        .invoke(() -> forgetIfDone(follower));
            }
            if (!stream.streamId().equals(newest)) {
                stale.add(follower);
            }
        }
        if (stale.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        StreamFollower follower = stale.get(0);
        return follower.checkStale().invoke(() -> forgetIfDone(follower));
    }

    private void forgetIfDone(StreamFollower follower) {
        if (follower.done()) {
            followers.remove(follower.streamId());
        }
    }

    private StreamFollower follower(String streamId, int cursor) {
        return new StreamFollower(streamId, cursor, true, caller, settlements, json);
    }
}
