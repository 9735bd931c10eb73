package dev.streamjournal.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.journal.JournalEvent;
import dev.streamjournal.journal.TerminalState;
import dev.streamjournal.settlement.Outcome;
import dev.streamjournal.settlement.Settlement;
import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which frames one client gets from a feed's view, without I/O but for the catch-up reads it counts. */
class StreamFollowerTest {

    private final AtomicInteger catchUpReads = new AtomicInteger();

    private StreamFollower follower(int cursor) {
        return new StreamFollower("st", cursor, false, (id, after, limit) -> {
            catchUpReads.incrementAndGet();
            List<JournalEvent> events = new ArrayList<>();
            for (int seq = after + 1; seq <= after + limit; seq++) {
                events.add(event(seq, "token"));
            }
            return Uni.createFrom().item(events);
        }, 500, StreamFollowerTest::entry);
    }

    private static JournalEvent event(int seq, String type) {
        return new JournalEvent("st", seq, seq, type, "{}", OffsetDateTime.now());
    }

    private static StreamFeed.Entry entry(JournalEvent event) {
        return new StreamFeed.Entry(event.seq(), event.type(), Frame.event(event.type(), String.valueOf(event.seq()), "{}"),
                Frame.event(event.type(), "st:" + event.seq(), "{}"));
    }

    private static StreamFeed.Decision decision(Outcome outcome, int lastSeq, Integer terminalSeq, boolean closed) {
        Settlement settlement = new Settlement("st", "s", outcome, terminalSeq == null ? null : TerminalState.COMPLETED,
                lastSeq, closed, "st", null, null, Instant.now());
        return new StreamFeed.Decision(settlement, terminalSeq, Frame.event("settlement", null, outcome.word()));
    }

    /** A view whose buffer holds seqs {@code from..head}. */
    private static StreamFeed.View view(int from, int head, StreamFeed.Decision decision, String lastType) {
        List<StreamFeed.Entry> buffer = new ArrayList<>();
        for (int seq = from; seq <= head; seq++) {
            buffer.add(entry(event(seq, seq == head ? lastType : "token")));
        }
        return new StreamFeed.View(head, buffer, decision);
    }

    private static List<String> describe(List<Frame> frames) {
        return frames.stream().map(f -> f.event().equals("settlement") ? "settlement:" + f.data() : f.id()).toList();
    }

    @Test
    void aClientFarBehindAPrunedStream_settlesMissingAtOnce_withoutReading() {
        StreamFollower follower = follower(0);
        StreamFeed.View pruned = new StreamFeed.View(0, List.of(), decision(Outcome.MISSING, 0, null, false));

        List<Frame> frames = follower.next(pruned).await().indefinitely();

        assertThat(describe(frames)).containsExactly("settlement:missing");
        assertThat(follower.done()).isTrue();
        assertThat(catchUpReads).hasValue(0);
    }

    @Test
    void aStaleDecisionBeyondTheHead_waitsForTheEventsCommittedBeforeIt() {
        StreamFollower follower = follower(3);
        StreamFeed.View behind = view(1, 3, decision(Outcome.STALE, 4, null, true), "token");

        assertThat(follower.next(behind).await().indefinitely()).isEmpty();
        assertThat(follower.done()).isFalse();

        StreamFeed.View caughtUp = view(1, 4, decision(Outcome.STALE, 4, null, true), "title");
        assertThat(describe(follower.next(caughtUp).await().indefinitely())).containsExactly("4", "settlement:stale");
        assertThat(follower.done()).isTrue();
    }

    @Test
    void aResumeBetweenTheTerminalEventAndStreamEnd_getsTheSettlementFirst_thenTheTrailers() {
        StreamFollower follower = follower(2);
        StreamFeed.View view = view(1, 4, decision(Outcome.RESTORED, 4, 2, true), "stream_end");

        assertThat(describe(follower.next(view).await().indefinitely()))
                .containsExactly("settlement:restored", "3", "4");
        assertThat(follower.done()).isTrue();
    }

    @Test
    void aClientBehindTheBuffer_readsItsOwnPage_neverPastTheBuffer() {
        StreamFollower follower = follower(0);
        StreamFeed.View view = view(801, 1000, decision(Outcome.ACTIVE, 1000, null, false), "token");

        List<Frame> first = follower.next(view).await().indefinitely();
        assertThat(first).hasSize(500);
        List<Frame> second = follower.next(view).await().indefinitely();
        assertThat(second).hasSize(300);
        assertThat(second.get(second.size() - 1).id()).isEqualTo("800");
        List<Frame> third = follower.next(view).await().indefinitely();
        assertThat(describe(third)).hasSize(200).startsWith("801").endsWith("1000");
        assertThat(catchUpReads).hasValue(2);
        assertThat(follower.done()).isFalse();
    }
}
