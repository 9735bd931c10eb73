package dev.streamjournal.live;

import dev.streamjournal.journal.EventClass;
import dev.streamjournal.journal.JournalEvent;
import dev.streamjournal.settlement.Outcome;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One client's place in one stream: its cursor (the last seq sent) and the settlement it was sent.
 * From a {@link StreamFeed.View} it takes the events after its cursor, never past the view's head, and
 * puts the settlement where it belongs: right after the terminal event; at once when the client resumed
 * at or past it; when the stream turns stale or vanishes (which ends it); and when it resumed past the
 * end of a closed stream. It ends after {@code stream_end}. Only a client further behind than the
 * feed's buffer reads the journal, its own pages of at most {@code journal.live.catch-up-page-size},
 * each read while the one before it is written (so at most two are held). A follower that ends at its
 * settlement (the AI SDK's UI message stream) ends right after the settlement of the terminal event, without
 * the trailers.
 */
final class StreamFollower {

    /** Reads {@code limit} events after a seq from the journal, for a follower behind the feed's buffer. */
    interface CatchUp {
        Uni<List<JournalEvent>> after(String streamId, int afterSeq, int limit);
    }

    private final String streamId;
    private final boolean qualifiedIds;
    private final CatchUp catchUp;
    private final int catchUpPageSize;
    private final Function<JournalEvent, StreamFeed.Entry> framing;
    private boolean endsAtSettlement;

    private int cursor;
    /** The catch-up page after {@code prefetchedAfter}, read while the previous one was written; or null. */
    private Uni<List<JournalEvent>> prefetched;
    private int prefetchedAfter;
    private Outcome settledAs;
    private boolean done;

    /**
     * @param qualifiedIds true for {@code <streamId>:<seq>} frame ids (session channels), false for {@code <seq>}
     */
    StreamFollower(String streamId, int cursor, boolean qualifiedIds, CatchUp catchUp, int catchUpPageSize,
            Function<JournalEvent, StreamFeed.Entry> framing) {
        this.streamId = streamId;
        this.cursor = cursor;
        this.qualifiedIds = qualifiedIds;
        this.catchUp = catchUp;
        this.catchUpPageSize = catchUpPageSize;
        this.framing = framing;
    }

    String streamId() {
        return streamId;
    }

    /** Makes this follower end with the settlement of the terminal event (or an ending one) instead of after {@code stream_end}. */
    StreamFollower endingAtSettlement() {
        endsAtSettlement = true;
        return this;
    }

    /** True after {@code stream_end} or a stale or missing settlement: nothing more of this stream will be sent. */
    boolean done() {
        return done;
    }

    /** The next frames from the view; empty when there is nothing to send until the feed changes. */
    Uni<List<Frame>> next(StreamFeed.View view) {
        if (done) {
            return Uni.createFrom().item(List.of());
        }
        if (view.decision().outcome() == Outcome.MISSING) {
            // the stream is gone (or was never the caller's): nothing more can be read of it
            return Uni.createFrom().item(frames(List.of(), view));
        }
        if (cursor >= view.head() || cursor + 1 >= view.firstBuffered()) {
            int from = Math.max(0, cursor + 1 - view.firstBuffered());
            List<StreamFeed.Entry> buffered = from >= view.buffer().size() ? List.<StreamFeed.Entry>of()
                    : view.buffer().subList(from, view.buffer().size());
            return Uni.createFrom().item(frames(buffered, view));
        }
        int upTo = view.firstBuffered() - 1;
        return catchUpPage(upTo).map(events -> {
            List<StreamFeed.Entry> entries = new ArrayList<>(events.size());
            for (JournalEvent event : events) {
                if (event.seq() <= upTo) {
                    entries.add(framing.apply(event));
                }
            }
            if (!entries.isEmpty() && entries.get(entries.size() - 1).seq() < upTo) {
                prefetch(entries.get(entries.size() - 1).seq(), upTo);
            }
            return frames(entries, view);
        });
    }

    /** The catch-up page after the cursor: the one read ahead while the previous was written, if it starts there. */
    private Uni<List<JournalEvent>> catchUpPage(int upTo) {
        Uni<List<JournalEvent>> page = prefetched != null && prefetchedAfter == cursor ? prefetched
                : catchUp.after(streamId, cursor, Math.min(catchUpPageSize, upTo - cursor));
        prefetched = null;
        return page;
    }

    /** Starts reading the page after {@code after} now, so that it is there when the connection asks for it. */
    private void prefetch(int after, int upTo) {
        Uni<List<JournalEvent>> page = catchUp.after(streamId, after, Math.min(catchUpPageSize, upTo - after))
                .memoize().indefinitely();
        page.subscribe().with(ignored -> { }, ignored -> { });
        prefetched = page;
        prefetchedAfter = after;
    }

    /** Frames for {@code events} (the next ones after the cursor, in seq order, none past the head). */
    List<Frame> frames(List<StreamFeed.Entry> events, StreamFeed.View view) {
        StreamFeed.Decision decision = view.decision();
        Integer terminalSeq = decision.terminalSeq();
        List<Frame> frames = new ArrayList<>(events.size() + 1);
        if (terminalSeq != null && cursor >= terminalSeq || decision.outcome() == Outcome.MISSING) {
            settle(frames, decision);
        }
        for (StreamFeed.Entry event : events) {
            if (done) {
                break;
            }
            frames.add(qualifiedIds ? event.qualified() : event.plain());
            cursor = event.seq();
            if (terminalSeq != null && event.seq() == terminalSeq) {
                settle(frames, decision);
            }
            done |= EventClass.STREAM_END.equals(event.type());
        }
        // an ending or closing decision applies once everything committed before it was sent
        if (!done && cursor >= view.head() && cursor >= decision.settlement().lastSeq()) {
            if (decision.ends()) {
                settle(frames, decision);
            } else if (decision.settlement().closed() && cursor >= decision.settlement().lastSeq()) {
                settle(frames, decision);
                done = true;
            }
        }
        return frames;
    }

    private void settle(List<Frame> frames, StreamFeed.Decision decision) {
        if (decision.outcome() != settledAs) {
            frames.add(decision.frame());
            settledAs = decision.outcome();
        }
        done |= decision.ends() || endsAtSettlement && decision.terminalSeq() != null;
    }
}
