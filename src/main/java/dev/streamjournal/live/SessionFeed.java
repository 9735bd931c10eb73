package dev.streamjournal.live;

import dev.streamjournal.journal.Change;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One session as this replica follows it: the feeds of its streams that someone here holds, and for
 * session channels the list of its streams, read once per change of the session. A change of one
 * stream that can alter settlements (a new stream, a terminal event) makes the session's other
 * followed streams decide again, which is how an old stream learns it is stale.
 */
final class SessionFeed {

    final String sessionId;
    final String tenant;
    final Context context;
    private final Feeds feeds;
    /** Watches holding this feed; changed only inside the hub's map update for this session. */
    int holders;
    private final Map<String, StreamFeed> streams = new HashMap<>();
    private final Set<Signal> listeners = ConcurrentHashMap.newKeySet();
    private final SingleFlight relist;
    private volatile List<String> listing;
    private boolean listingDirty = true;

    SessionFeed(String sessionId, String tenant, Context context, Feeds feeds) {
        this.sessionId = sessionId;
        this.tenant = tenant;
        this.context = context;
        this.feeds = feeds;
        this.relist = new SingleFlight(context, this::readListing, () -> !listeners.isEmpty());
    }

    /** Registers the signal with the stream's feed, creating the feed when this replica had none. */
    StreamFeed follow(String streamId, Signal signal, boolean settlesOnly) {
        StreamFeed feed;
        boolean created = false;
        synchronized (this) {
            feed = streams.get(streamId);
            if (feed == null) {
                feed = new StreamFeed(streamId, this, feeds);
                streams.put(streamId, feed);
                created = true;
            }
            feed.add(signal, settlesOnly);
        }
        if (created) {
            feed.start();
        }
        return feed;
    }

    void unfollow(StreamFeed feed, Signal signal) {
        synchronized (this) {
            feed.remove(signal);
            if (!feed.wanted()) {
                streams.remove(feed.streamId, feed);
            }
        }
    }

    /** The session's stream ids in creation order, or null until first read; the signal hears of changes. */
    List<String> listen(Signal signal) {
        List<String> current;
        synchronized (this) {
            if (listeners.isEmpty()) {
                // nobody followed the listing's changes until now: read it afresh before anyone uses it
                listing = null;
                listingDirty = true;
            }
            listeners.add(signal);
            current = listing;
        }
        relist.request();
        return current;
    }

    List<String> listing() {
        return listing;
    }

    synchronized void unlisten(Signal signal) {
        listeners.remove(signal);
    }

    synchronized List<StreamFeed> streamFeeds() {
        return new ArrayList<>(streams.values());
    }

    /** True while a session channel here follows the stream list. */
    boolean listened() {
        return !listeners.isEmpty();
    }

    void publish(Change change) {
        List<StreamFeed> others = new ArrayList<>();
        StreamFeed feed;
        synchronized (this) {
            feed = streams.get(change.streamId());
            if (change.settles()) {
                streams.values().stream().filter(other -> other != feed).forEach(others::add);
            }
        }
        if (feed != null) {
            feed.changed(change.lastSeq(), change.settles(), change.events());
        }
        others.forEach(other -> other.changed(0, true, null));
        boolean relisting;
        synchronized (this) {
            List<String> known = listing;
            relisting = !listeners.isEmpty() && (change.settles() || known == null || !known.contains(change.streamId()));
            listingDirty |= relisting;
        }
        if (relisting) {
            relist.request();
        }
    }

    /** Everything again, after the wake-up channel was lost. */
    void catchUp() {
        List<StreamFeed> all;
        synchronized (this) {
            all = new ArrayList<>(streams.values());
            listingDirty = true;
        }
        all.forEach(StreamFeed::catchUp);
        if (!listeners.isEmpty()) {
            relist.request();
        }
    }

    private Uni<Boolean> readListing() {
        synchronized (this) {
            if (!listingDirty) {
                return Uni.createFrom().item(false);
            }
            listingDirty = false;
        }
        return feeds.streamsOfSession(sessionId, tenant)
                .map(ids -> {
                    listing = ids;
                    long now = System.nanoTime();
                    listeners.forEach(signal -> signal.wake(now));
                    return false;
                })
                .onFailure().invoke(failure -> {
                    synchronized (this) {
                        listingDirty = true;
                    }
                });
    }
}
