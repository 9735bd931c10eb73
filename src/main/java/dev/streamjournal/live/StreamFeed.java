package dev.streamjournal.live;

import dev.streamjournal.journal.EventClass;
import dev.streamjournal.journal.JournalEvent;
import dev.streamjournal.settlement.Outcome;
import dev.streamjournal.settlement.Settlement;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One stream as this replica follows it for all of its subscribers: each change is read from the
 * journal once (the page after {@code head}), framed once, and the settlement is decided once; every
 * subscriber then takes what it lacks from the same {@link View} without touching the database. The
 * view keeps the latest {@code journal.live.page-size} events; a subscriber further behind reads its own
 * pages from the journal, so memory stays bounded whatever the clients do.
 *
 * <p>Invariant: a view whose {@code head} includes the terminal event also holds a decision made after
 * that event was read, so a subscriber that never goes past {@code head} always finds the settlement to
 * send right after the terminal event.
 */
final class StreamFeed {

    /** One journal event, framed once for both channel kinds. */
    record Entry(int seq, String type, Frame plain, Frame qualified) {
    }

    /** The settlement as decided once per change, with the seq of the terminal event (null while active). */
    record Decision(Settlement settlement, Integer terminalSeq, Frame frame) {

        Outcome outcome() {
            return settlement.outcome();
        }

        /** Stale or missing: nothing more of this stream is for its old clients. */
        boolean ends() {
            return outcome() == Outcome.STALE || outcome() == Outcome.MISSING;
        }
    }

    /**
     * What subscribers read: events up to {@code head}, of which {@code buffer} holds the latest
     * (contiguous, ending at {@code head}), and the decision.
     */
    record View(int head, List<Entry> buffer, Decision decision) {

        /** The first seq held in the buffer; events before it are read from the journal. */
        int firstBuffered() {
            return head - buffer.size() + 1;
        }
    }

    /** The most event data a feed keeps for its subscribers; older events are read from the journal. */
    static final long BUFFER_BYTES = 1 << 20;

    final String streamId;
    private final SessionFeed session;
    private final Feeds feeds;
    private final SingleFlight refresh;
    private final Set<Signal> readers = ConcurrentHashMap.newKeySet();
    private final Set<Signal> settlers = ConcurrentHashMap.newKeySet();
    private volatile View view;
    private boolean eventsDirty;
    private boolean decisionDirty = true;

    StreamFeed(String streamId, SessionFeed session, Feeds feeds) {
        this.streamId = streamId;
        this.session = session;
        this.feeds = feeds;
        this.refresh = new SingleFlight(session.context, this::step, this::wanted);
    }

    /** The current view, or null until the first decision is read. */
    View view() {
        return view;
    }

    void add(Signal signal, boolean settlesOnly) {
        (settlesOnly ? settlers : readers).add(signal);
    }

    void remove(Signal signal) {
        readers.remove(signal);
        settlers.remove(signal);
    }

    boolean wanted() {
        return !readers.isEmpty() || !settlers.isEmpty();
    }

    /** Reads the first view. */
    void start() {
        refresh.request();
    }

    /**
     * A committed change: events up to {@code lastSeq} (re-read only when past the head) and, when
     * {@code settles}, a new decision.
     */
    void changed(int lastSeq, boolean settles) {
        synchronized (this) {
            View current = view;
            eventsDirty |= current == null || lastSeq > current.head();
            decisionDirty |= settles;
            if (!eventsDirty && !decisionDirty) {
                return;
            }
        }
        refresh.request();
    }

    /** Reads everything again (after the wake-up channel was lost). */
    void catchUp() {
        synchronized (this) {
            eventsDirty = true;
            decisionDirty = true;
        }
        refresh.request();
    }

    /** One refresh; true when there is more to read at once. */
    private Uni<Boolean> step() {
        boolean readEvents;
        boolean decide;
        synchronized (this) {
            readEvents = eventsDirty;
            decide = decisionDirty;
            eventsDirty = false;
            decisionDirty = false;
        }
        View current = view;
        if (current == null) {
            // the first view: where the stream stands now; events up to there are read by each subscriber
            return feeds.decide(streamId, session.tenant)
                    .map(decision -> {
                        publish(new View(decision.settlement().lastSeq(), List.of(), decision), true);
                        return false;
                    })
                    .onFailure().invoke(this::restore);
        }
        if (!readEvents && !decide) {
            return Uni.createFrom().item(false);
        }
        Uni<List<JournalEvent>> page = readEvents
                ? feeds.page(streamId, session.tenant, current.head())
                : Uni.createFrom().item(List.of());
        return page.chain(events -> {
            boolean full = events.size() >= feeds.pageSize();
            boolean settles = decide || events.stream().anyMatch(event -> EventClass.settles(event.type()));
            Uni<Decision> decision = settles
                    ? feeds.decide(streamId, session.tenant)
                    : Uni.createFrom().item(current.decision());
            return decision.map(decided -> {
                View next = decided.outcome() == Outcome.MISSING
                        ? new View(0, List.of(), decided)
                        : extend(current, events, decided);
                publish(next, decided != current.decision());
                // a decision made after events committed beyond the head: read those before anyone ends on it
                return full || decided.outcome() != Outcome.MISSING && decided.settlement().lastSeq() > next.head()
                        && markEvents();
            });
        }).onFailure().invoke(this::restore);
    }

    private boolean markEvents() {
        synchronized (this) {
            eventsDirty = true;
        }
        return true;
    }

    private void restore(Throwable failure) {
        synchronized (this) {
            eventsDirty = true;
            decisionDirty = true;
        }
    }

    private View extend(View current, List<JournalEvent> events, Decision decision) {
        if (events.isEmpty()) {
            return new View(current.head(), current.buffer(), decision);
        }
        List<Entry> all = new ArrayList<>(current.buffer().size() + events.size());
        all.addAll(current.buffer());
        events.forEach(event -> all.add(feeds.entry(event)));
        // keep the newest events, at most page-size of them and at most BUFFER_BYTES of data (always the newest)
        int from = Math.max(0, all.size() - feeds.pageSize());
        long bytes = 0;
        for (int i = all.size() - 1; i >= from; i--) {
            bytes += all.get(i).plain().data().length();
            if (bytes > BUFFER_BYTES && i < all.size() - 1) {
                from = i + 1;
                break;
            }
        }
        return new View(events.get(events.size() - 1).seq(), List.copyOf(all.subList(from, all.size())), decision);
    }

    private void publish(View next, boolean decided) {
        view = next;
        long now = System.nanoTime();
        readers.forEach(signal -> signal.wake(now));
        if (decided) {
            settlers.forEach(signal -> signal.wake(now));
        }
    }
}
