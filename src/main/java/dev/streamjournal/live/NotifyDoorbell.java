package dev.streamjournal.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.journal.Change;
import dev.streamjournal.journal.Doorbell;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Announces committed changes, after their commit, never inside the writing transaction (a NOTIFY
 * there would hold PostgreSQL's global notify lock through every append's commit and serialize them
 * all). The subscribers of this replica are woken at once, in process. The other replicas hear of it
 * through one coalesced NOTIFY on channel {@code journal}: while one is on its way, further changes
 * collect (the last one per stream wins) and leave together in the next, so a replica has at most one
 * NOTIFY transaction in flight however fast it appends, and sends at most one per
 * {@code journal.live.doorbell-interval}. A replica that dies between a commit and its
 * doorbell delays the others only until their {@link ChangeSweep} reads the change from the journal.
 */
@ApplicationScoped
public class NotifyDoorbell implements Doorbell {

    private static final Logger LOG = Logger.getLogger(NotifyDoorbell.class);
    public static final String CHANNEL = "journal";
    /** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
    static final int MAX_PAYLOAD_BYTES = 7900;

    static final String NOTIFY = """
            select pg_notify('journal', payload) from unnest($1::text[]) as payload
            """;

    private final Pool pool;
    private final LiveHub hub;
    private final ObjectMapper json;
    private final Vertx vertx;
    private final String replica = UUID.randomUUID().toString();
    private final Map<String, Change> pending = new LinkedHashMap<>();
    private final long intervalNanos;
    private boolean sending;
    private long lastSent;

    public NotifyDoorbell(Pool pool, LiveHub hub, ObjectMapper json, Vertx vertx, LiveConfig config) {
        this.pool = pool;
        this.hub = hub;
        this.json = json;
        this.vertx = vertx;
        this.intervalNanos = config.doorbellInterval().toNanos();
    }

    /** This replica's id in its notifications, so that it can ignore its own. */
    public String replica() {
        return replica;
    }

    @Override
    public void ring(Change change) {
        try {
            announce(change);
        } catch (RuntimeException e) {
            LOG.warnf(e, "doorbell failed for stream %s; subscribers catch up by the sweep", change.streamId());
        }
    }

    private void announce(Change change) {
        hub.publish(change);
        synchronized (this) {
            // other replicas get ids only: the events stay with this replica's feeds
            pending.merge(change.streamId(), new Change(change.sessionId(), change.streamId(), change.lastSeq(),
                    change.settles()), NotifyDoorbell::merge);
            if (sending) {
                return;
            }
            sending = true;
        }
        send();
    }

    private void send() {
        List<Change> changes;
        synchronized (this) {
            if (pending.isEmpty()) {
                sending = false;
                return;
            }
            changes = new ArrayList<>(pending.values());
            pending.clear();
            lastSent = System.nanoTime();
        }
        pool.preparedQuery(NOTIFY).execute(Tuple.of(payloads(changes).toArray(String[]::new)))
                .ifNoItem().after(Duration.ofSeconds(10)).fail()
                .subscribe().with(
                        rows -> sendNext(),
                        failure -> {
                            LOG.warnf("doorbell NOTIFY failed (%s); other replicas catch up by their sweep", failure.getMessage());
                            synchronized (this) {
                                changes.forEach(change -> pending.merge(change.streamId(), change, NotifyDoorbell::merge));
                            }
                            vertx.setTimer(1000, id -> send());
                        });
    }

    /** Sends what collected meanwhile, no sooner than {@code journal.live.doorbell-interval} after the last NOTIFY. */
    private void sendNext() {
        long wait;
        synchronized (this) {
            if (pending.isEmpty()) {
                sending = false;
                return;
            }
            wait = intervalNanos - (System.nanoTime() - lastSent);
        }
        if (wait < 1_000_000) {
            send();
        } else {
            vertx.setTimer(wait / 1_000_000, id -> send());
        }
    }

    /** The changes as NOTIFY payloads {@code {"replica", "changes": [[sessionId, streamId, lastSeq, settles], ...]}}. */
    List<String> payloads(List<Change> changes) {
        List<String> payloads = new ArrayList<>();
        ObjectNode payload = null;
        int bytes = 0;
        for (Change change : changes) {
            int size = 24 + change.sessionId().length() + change.streamId().length();
            if (payload == null || bytes + size > MAX_PAYLOAD_BYTES) {
                if (payload != null) {
                    payloads.add(payload.toString());
                }
                payload = json.createObjectNode().put("replica", replica);
                payload.putArray("changes");
                bytes = payload.toString().getBytes(StandardCharsets.UTF_8).length;
            }
            ((ArrayNode) payload.get("changes")).addArray()
                    .add(change.sessionId()).add(change.streamId()).add(change.lastSeq()).add(change.settles() ? 1 : 0);
            bytes += size;
        }
        if (payload != null) {
            payloads.add(payload.toString());
        }
        return payloads;
    }

    private static Change merge(Change older, Change newer) {
        return new Change(newer.sessionId(), newer.streamId(), Math.max(older.lastSeq(), newer.lastSeq()),
                older.settles() || newer.settles());
    }
}
