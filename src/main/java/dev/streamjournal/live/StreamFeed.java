package dev.streamjournal.live;

import dev.streamjournal.journal.EventClass;
import dev.streamjournal.journal.JournalEvent;
import dev.streamjournal.settlement.Outcome;
import dev.streamjournal.settlement.Settlement;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.Comparator;
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
    /** Events handed over by this replica's appends, not yet taken by a refresh; the highest seq announced. */
    private final List<JournalEvent> offered = new ArrayList<>();
    private int wanted;

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
     * {@code settles}, a new decision. {@code events}, when given, are the change's events as stored
     * (from this replica's own append): a refresh that finds them continuing its head takes them
     * without reading the journal.
     */
    void changed(int lastSeq, boolean settles, List<JournalEvent> events) {
        synchronized (this) {
            View current = view;
            if (events != null && offered.size() + events.size() <= feeds.pageSize()) {
                offered.addAll(events);
            }
            wanted = Math.max(wanted, lastSeq);
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
        markAll();
        refresh.request();
    }

    /** One refresh; true when there is more to read at once. */
    private Uni<Boolean> step() {
        boolean readEvents;
        boolean decide;
        List<JournalEvent> handed;
        int target;
        synchronized (this) {
            readEvents = eventsDirty;
            decide = decisionDirty;
            eventsDirty = false;
            decisionDirty = false;
            handed = List.copyOf(offered);
            offered.clear();
            target = wanted;
        }
        View current = view;
        if (current == null) {
            // the first view: where the stream stands now, with its latest page, so that clients near the
            // head (a reconnect after a drain) are served from memory; events after the decision come
            // with their own change
            return feeds.decide(streamId, session.tenant)
                    .chain(decision -> {
                        int head = decision.settlement().lastSeq();
                        Uni<List<JournalEvent>> latest = head == 0 ? Uni.createFrom().item(List.of())
                                : feeds.page(streamId, session.tenant, Math.max(0, head - feeds.pageSize()));
                        return latest.map(events -> {
                            publish(firstView(decision, events), true);
                            return false;
                        });
                    })
                    .onFailure().invoke(failure -> markAll());
        }
        if (!readEvents && !decide) {
            return Uni.createFrom().item(false);
        }
        List<JournalEvent> continuing = continuing(handed, current.head(), target);
        Uni<List<JournalEvent>> page = !readEvents ? Uni.createFrom().item(List.of())
                : continuing != null ? Uni.createFrom().item(continuing)
                : feeds.page(streamId, session.tenant, current.head());
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
                boolean behind = decided.outcome() != Outcome.MISSING && decided.settlement().lastSeq() > next.head();
                if (behind) {
                    markEvents();
                }
                return full || behind;
            });
        }).onFailure().invoke(failure -> markAll());
    }

    /**
     * The handed-over events after {@code head} when they are exactly {@code head + 1 .. target} (so
     * nothing committed in between is missing), else null: the journal is read instead.
     */
    private static List<JournalEvent> continuing(List<JournalEvent> handed, int head, int target) {
        if (target <= head) {
            return null;
        }
        List<JournalEvent> after = handed.stream().filter(event -> event.seq() > head)
                .sorted(Comparator.comparingInt(JournalEvent::seq)).toList();
        if (after.isEmpty()) {
            return null;
        }
        for (int i = 0; i < after.size(); i++) {
            if (after.get(i).seq() != head + 1 + i) {
                return null;
            }
        }
        return after.get(after.size() - 1).seq() == target ? after : null;
    }

    /** The first view: head at the decision, holding the events read up to it. */
    private View firstView(Decision decision, List<JournalEvent> latest) {
        int head = decision.settlement().lastSeq();
        List<JournalEvent> upToHead = latest.stream().filter(event -> event.seq() <= head).toList();
        if (upToHead.isEmpty() || upToHead.get(upToHead.size() - 1).seq() != head) {
            return new View(head, List.of(), decision);
        }
        return extend(new View(upToHead.get(0).seq() - 1, List.of(), decision), upToHead, decision);
    }

    private synchronized void markEvents() {
        eventsDirty = true;
    }

    /** Everything is to be read again: after a lost wake-up channel, or a refresh that failed. */
    private synchronized void markAll() {
        eventsDirty = true;
        decisionDirty = true;
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
