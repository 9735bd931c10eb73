package dev.streamjournal.live;

import dev.streamjournal.journal.Change;
import dev.streamjournal.settlement.Outcome;
import dev.streamjournal.settlement.Settlement;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The safety net under the doorbell: a replica that dies between a commit and its doorbell, or a
 * NOTIFY that fails, must not leave subscribers elsewhere waiting. Every {@code journal.live.sweep-interval}
 * each replica compares the streams it follows with their rows (last seq, terminal state, closed, the
 * session's newest stream), and the sessions whose stream list it follows with their newest stream,
 * and hands every difference to its feeds as a change. It compares with what is committed, so nothing
 * can be passed over, and it costs one statement per kind per interval, by primary key, for the
 * streams followed here: none when nobody is subscribed, whatever the append rate.
 */
@ApplicationScoped
public class ChangeSweep {

    private static final Logger LOG = Logger.getLogger(ChangeSweep.class);

    public static final String STREAMS = """
            select s.stream_id, s.last_seq, s.terminal_state, s.closed, se.active_stream_id
              from streams s
              join sessions se on se.session_id = s.session_id
             where s.session_id = any($2) and se.session_id = any($2) and s.stream_id = any($1)
            """;

    public static final String SESSIONS = """
            select session_id, active_stream_id from sessions where session_id = any($1)
            """;

    private final Pool pool;
    private final LiveHub hub;

    public ChangeSweep(Pool pool, LiveHub hub) {
        this.pool = pool;
        this.hub = hub;
    }

    @Scheduled(every = "${journal.live.sweep-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return sweep()
                .onFailure().invoke(failure -> LOG.debugf("change sweep failed: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** One sweep; returns how many changes it handed to the hub. */
    public Uni<Integer> sweep() {
        List<LiveHub.Followed> streams = hub.followed();
        List<ChangeTap.Tapped> tapped = hub.tapped();
        Map<String, List<String>> listings = hub.listings();
        Uni<Integer> streamChanges = streams.isEmpty() && tapped.isEmpty() ? Uni.createFrom().item(0)
                : pool.preparedQuery(STREAMS)
                        .execute(Tuple.of(Stream.concat(streams.stream().map(LiveHub.Followed::streamId),
                                        tapped.stream().map(ChangeTap.Tapped::streamId)).distinct().toArray(String[]::new),
                                Stream.concat(streams.stream().map(LiveHub.Followed::sessionId),
                                        tapped.stream().map(ChangeTap.Tapped::sessionId)).distinct().toArray(String[]::new)))
                        .map(rows -> compareStreams(streams, rows) + compareTapped(tapped, rows));
        return streamChanges.chain(changed -> listings.isEmpty() ? Uni.createFrom().item(changed)
                : pool.preparedQuery(SESSIONS).execute(Tuple.of(listings.keySet().toArray(String[]::new)))
                        .map(rows -> changed + compareListings(listings, rows)));
    }

    /** The taps' streams: a change where the row moved past what the tap read, closed, or is gone. */
    private int compareTapped(List<ChangeTap.Tapped> tapped, Iterable<Row> rows) {
        Map<String, Row> byId = new HashMap<>();
        rows.forEach(row -> byId.put(row.getString("stream_id"), row));
        int changes = 0;
        for (ChangeTap.Tapped stream : tapped) {
            Row row = byId.get(stream.streamId());
            int lastSeq = row == null ? 0 : row.getInteger("last_seq");
            boolean settles = row == null || row.getBoolean("closed") != stream.closed();
            if (settles || lastSeq > stream.head()) {
                hub.publish(new Change(stream.sessionId(), stream.streamId(), lastSeq, settles));
                changes++;
            }
        }
        return changes;
    }

    private int compareStreams(List<LiveHub.Followed> streams, Iterable<Row> rows) {
        Map<String, Row> byId = new HashMap<>();
        rows.forEach(row -> byId.put(row.getString("stream_id"), row));
        int changes = 0;
        for (LiveHub.Followed followed : streams) {
            StreamFeed.View view = followed.view();
            if (view == null) {
                continue;
            }
            Row row = byId.get(followed.streamId());
            Settlement settlement = view.decision().settlement();
            boolean gone = row == null;
            int lastSeq = gone ? 0 : row.getInteger("last_seq");
            boolean settles = gone
                    ? view.decision().outcome() != Outcome.MISSING
                    : !Objects.equals(row.getString("terminal_state"),
                                    settlement.terminalState() == null ? null : settlement.terminalState().word())
                            || row.getBoolean("closed") != settlement.closed()
                            || !Objects.equals(row.getString("active_stream_id"), settlement.currentStreamId());
            if (settles || lastSeq > view.head()) {
                hub.publish(new Change(followed.sessionId(), followed.streamId(), lastSeq, settles));
                changes++;
            }
        }
        return changes;
    }

    private int compareListings(Map<String, List<String>> listings, Iterable<Row> rows) {
        int changes = 0;
        for (Row row : rows) {
            String newest = row.getString("active_stream_id");
            List<String> listing = listings.get(row.getString("session_id"));
            if (newest != null && (listing.isEmpty() || !listing.get(listing.size() - 1).equals(newest))) {
                hub.publish(new Change(row.getString("session_id"), newest, 0, true));
                changes++;
            }
        }
        return changes;
    }
}
