package dev.streamjournal.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.journal.EventClass;
import dev.streamjournal.journal.JournalEvent;
import dev.streamjournal.security.Caller;
import dev.streamjournal.settlement.Outcome;
import dev.streamjournal.settlement.Settlement;
import dev.streamjournal.settlement.SettlementService;
import io.smallrye.mutiny.Uni;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one stream's journal into frames for one client: its cursor (the last seq sent), the
 * {@code settlement} frame right after the terminal event (or after {@code stream_end} for a client
 * that resumed past the terminal event), a {@code stale} settlement when a newer stream took the
 * session, and the end after {@code stream_end} or a stale settlement.
 */
final class StreamFollower {

    private final String streamId;
    private final boolean qualifiedIds;
    private final Caller caller;
    private final SettlementService settlements;
    private final ObjectMapper json;

    private int cursor;
    private Outcome settledAs;
    private boolean done;

    /**
     * @param qualifiedIds true for {@code <streamId>:<seq>} frame ids (session channels), false for {@code <seq>}
     */
    StreamFollower(String streamId, int cursor, boolean qualifiedIds, Caller caller, SettlementService settlements,
            ObjectMapper json) {
        this.streamId = streamId;
        this.cursor = cursor;
        this.qualifiedIds = qualifiedIds;
        this.caller = caller;
        this.settlements = settlements;
        this.json = json;
    }

    String streamId() {
        return streamId;
    }

    int cursor() {
        return cursor;
    }

    /** True after {@code stream_end} or a stale settlement: nothing more of this stream will be sent. */
    boolean done() {
        return done;
    }

    String id(int seq) {
        return qualifiedIds ? streamId + ":" + seq : String.valueOf(seq);
    }

    /** Frames for events read after the cursor (in seq order); moves the cursor past them. */
    Uni<List<Frame>> follow(List<JournalEvent> events) {
        int settleAfter = -1;
        for (int i = 0; i < events.size() && settleAfter < 0; i++) {
            EventClass eventClass = EventClass.of(events.get(i).type()).orElse(EventClass.CONTENT);
            if (settledAs == null && (eventClass == EventClass.TERMINAL || eventClass == EventClass.CLOSE)) {
                settleAfter = i;
            }
        }
        Uni<List<Frame>> settlement = settleAfter < 0
                ? Uni.createFrom().item(List.of())
                : settlements.settle(streamId, caller).map(this::settlementFrames);
        int splitAt = settleAfter;
        Uni<List<Frame>> framed = settlement.map(settlementFrames -> {
            List<Frame> frames = new ArrayList<>(events.size() + 1);
            for (int i = 0; i < events.size() && !done; i++) {
                JournalEvent event = events.get(i);
                frames.add(Frame.event(event.type(), id(event.seq()), write(event)));
                cursor = event.seq();
                done = EventClass.STREAM_END.equals(event.type());
                if (i == splitAt) {
                    frames.addAll(settlementFrames);
                    done |= settledAs == Outcome.STALE || settledAs == Outcome.MISSING;
                }
            }
            return frames;
        });
        // a newer stream may have taken the session between the terminal event and stream_end
        return framed.chain(frames -> done && settledAs != Outcome.STALE && settledAs != Outcome.MISSING
                ? checkStale().map(stale -> concat(frames, stale))
                : Uni.createFrom().item(frames));
    }

    private static List<Frame> concat(List<Frame> first, List<Frame> second) {
        if (second.isEmpty()) {
            return first;
        }
        List<Frame> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /**
     * For a follower with nothing new to send: a settlement frame when the stream turned stale (or
     * vanished), or when it is closed and this client resumed past its end; these end the follower.
     * Empty while the stream may still send events.
     */
    Uni<List<Frame>> checkStale() {
        return settlements.settle(streamId, caller).map(settlement -> {
            boolean stale = settlement.outcome() == Outcome.STALE || settlement.outcome() == Outcome.MISSING;
            boolean over = settlement.closed() && cursor >= settlement.lastSeq();
            if (!stale && !over) {
                return List.of();
            }
            done = true;
            return settlementFrames(settlement);
        });
    }

    private List<Frame> settlementFrames(Settlement settlement) {
        if (settlement.outcome() == settledAs) {
            return List.of();
        }
        settledAs = settlement.outcome();
        return List.of(Frame.event("settlement", null, write(settlement)));
    }

    String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
