package dev.streamjournal.ds;

import dev.streamjournal.ds.DsRepository.Message;
import dev.streamjournal.live.Signal;
import dev.streamjournal.live.SingleFlight;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One DS stream as this replica follows it for all of its live readers: each change is read from the
 * journal once (the messages after {@code head}, and whether the stream is closed), kept in a bounded
 * buffer of the latest messages, and every reader is woken to take what it lacks from the same
 * snapshot. A reader further behind than the buffer reads its own pages from the journal.
 */
final class DsFeed {

    /**
     * What readers see: the last seq read, whether the stream was closed at that seq or is gone, and the
     * latest messages (contiguous, ending at {@code head}).
     */
    record Snapshot(long head, boolean closed, boolean gone, List<Message> recent) {

        /** The messages after {@code afterSeq} from the buffer, up to {@code bytes}; null when it starts later. */
        List<Message> after(long afterSeq, long bytes) {
            long first = recent.isEmpty() ? head + 1 : recent.get(0).seq();
            if (afterSeq + 1 < first) {
                return null;
            }
            List<Message> out = new ArrayList<>();
            long total = 0;
            for (Message message : recent) {
                if (message.seq() <= afterSeq) {
                    continue;
                }
                if (!out.isEmpty() && total + message.body().length > bytes) {
                    break;
                }
                out.add(message);
                total += message.body().length;
            }
            return out;
        }
    }

    /** The most message bytes a feed keeps for its readers. */
    static final long BUFFER_BYTES = 1 << 20;
    static final int PAGE = 500;

    final String sessionId;
    final String streamId;
    int holders;
    private final DsHub hub;
    private final SingleFlight refresh;
    private final Set<Signal> readers = ConcurrentHashMap.newKeySet();
    private volatile Snapshot snapshot;

    DsFeed(String sessionId, String streamId, Context context, DsHub hub) {
        this.sessionId = sessionId;
        this.streamId = streamId;
        this.hub = hub;
        this.refresh = new SingleFlight(context, this::step, () -> !readers.isEmpty());
    }

    Snapshot snapshot() {
        return snapshot;
    }

    void add(Signal signal) {
        readers.add(signal);
    }

    void remove(Signal signal) {
        readers.remove(signal);
    }

    boolean idle() {
        return readers.isEmpty();
    }

    void start() {
        refresh.request();
    }

    /** A committed change: read it unless the snapshot already holds it. */
    void changed(long lastSeq, boolean settles) {
        Snapshot current = snapshot;
        if (current != null && !settles && lastSeq <= current.head()) {
            return;
        }
        refresh.request();
    }

    void catchUp() {
        refresh.request();
    }

    /** One refresh: the tail, then the messages up to it. True when there is more to read at once. */
    private Uni<Boolean> step() {
        Snapshot current = snapshot;
        long head = current == null ? -1 : current.head();
        return hub.tail(sessionId, streamId).chain(tail -> {
            if (tail == null) {
                publish(new Snapshot(head < 0 ? 0 : head, false, true, current == null ? List.of() : current.recent()));
                return Uni.createFrom().item(false);
            }
            long last = tail[0];
            boolean closed = tail[1] == 1;
            if (current == null) {
                // the first snapshot: the latest page, so that readers near the tail are served from memory
                long from = Math.max(0, last - PAGE);
                return hub.messages(sessionId, streamId, from, last).map(messages -> {
                    boolean reaches = !messages.isEmpty() && messages.get(messages.size() - 1).seq() == last;
                    publish(new Snapshot(last, closed, false, reaches ? trim(messages) : List.of()));
                    return false;
                });
            }
            if (last <= head) {
                publish(new Snapshot(head, closed && last == head, false, current.recent()));
                return Uni.createFrom().item(false);
            }
            return hub.messages(sessionId, streamId, head, last).map(messages -> {
                long reached = messages.isEmpty() ? head : messages.get(messages.size() - 1).seq();
                List<Message> recent = new ArrayList<>(current.recent());
                recent.addAll(messages);
                publish(new Snapshot(reached, closed && reached == last, false, trim(recent)));
                return reached < last;
            });
        });
    }

    private void publish(Snapshot next) {
        snapshot = next;
        long now = System.nanoTime();
        readers.forEach(signal -> signal.wake(now));
    }

    /**
     * The latest messages within {@link #BUFFER_BYTES} and {@link #PAGE} of them (at least the last one):
     * each change copies the buffer, so small messages must not let it grow without bound.
     */
    static List<Message> trim(List<Message> messages) {
        long total = 0;
        int from = messages.size();
        int least = Math.max(0, messages.size() - PAGE);
        while (from > least) {
            long size = messages.get(from - 1).body().length;
            if (from < messages.size() && total + size > BUFFER_BYTES) {
                break;
            }
            total += size;
            from--;
        }
        return from == 0 ? messages : List.copyOf(messages.subList(from, messages.size()));
    }
}
