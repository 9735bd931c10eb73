package dev.streamjournal.ds;

import dev.streamjournal.ds.DsRepository.Message;
import dev.streamjournal.live.Signal;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * SSE reads: {@code data} events with the messages (text and JSON as text, any other type base64) and a
 * {@code control} event after each with the next offset, the cursor, and whether the reader is up to date
 * or the stream closed. The response ends at closure, after {@code journal.ds.sse-duration} (the client
 * resumes from its last offset) or at its token's expiry, when the stream goes, or when the replica drains.
 * A slow client holds its reads back (nothing more is read while its write queue is full), and an idle one
 * gets a comment line every {@code journal.ds.sse-heartbeat}.
 */
@ApplicationScoped
public class DsSse {

    private static final Logger LOG = Logger.getLogger(DsSse.class);
    private static final Pattern LINES = Pattern.compile("\r\n|\r|\n");
    private static final String HEARTBEAT = ":\n\n";

    private final DsReads reads;
    private final DsHub hub;
    private final DsConfig config;
    private final Vertx vertx;

    /** SSE responses whose client is slower than their stream: nothing is read for them until it drains. */
    private final AtomicInteger held = new AtomicInteger();

    public DsSse(DsReads reads, DsHub hub, DsConfig config, Vertx vertx, MeterRegistry metrics) {
        this.reads = reads;
        this.hub = hub;
        this.config = config;
        this.vertx = vertx;
        metrics.gauge("journal.ds.live.held", held);
    }

    /**
     * The response headers are set and written by the caller's {@code prepare}; this writes the body, until
     * the SSE duration ends or, sooner, the caller's token expires ({@code expiresAt}, null: no token).
     */
    void serve(HttpServerResponse response, DsStream stream, long offset, String cursor, Instant expiresAt) {
        Duration open = config.sseDuration();
        Duration valid = expiresAt == null ? null : Duration.between(Instant.now(), expiresAt);
        if (valid != null && valid.compareTo(open) < 0) {
            open = valid;
        }
        Connection connection = new Connection(response, hub.follow(stream.sessionId(), stream.streamId()), stream,
                System.nanoTime() + open.toNanos());
        DsRoutes.whenClosed(response, connection::end);
        connection.safely(() -> connection.step(offset, cursor, true));
    }

    /**
     * One SSE response: what it follows, until when, and whether its client went away. It runs as a loop of
     * callbacks (write, wait for the drain, wait for a change, read), each started by the one before, so that
     * nothing of a delivery is kept once the next one starts, and an idle response holds only its place on
     * the feed and one timer.
     */
    private final class Connection {
        private final HttpServerResponse response;
        private final DsHub.Reader reader;
        private final DsStream stream;
        private final long deadline;
        private volatile boolean ended;
        private boolean finished;
        /** Ends the wait for the write queue to drain (null: not waiting). */
        private volatile Runnable drained;

        Connection(HttpServerResponse response, DsHub.Reader reader, DsStream stream, long deadline) {
            this.response = response;
            this.reader = reader;
            this.stream = stream;
            this.deadline = deadline;
        }

        /** The client went away: the wait for data or for a drain ends now. */
        void end() {
            ended = true;
            // the feed lets go of this reader now, even if its loop were to have died
            reader.close();
            reader.signal.wake();
            Runnable waiting = drained;
            if (waiting != null) {
                waiting.run();
            }
        }

        /** Writes what lies after {@code offset}, then follows the stream. */
        void step(long offset, String cursor, boolean first) {
            if (ended || !first && (over() || hub.draining())) {
                finish();
                return;
            }
            DsFeed.Snapshot snapshot = reader.feed.snapshot();
            if (snapshot != null && snapshot.gone()) {
                finish();
                return;
            }
            reads.batch(stream, offset, snapshot).subscribe().with(batch -> safely(() -> write(batch, cursor, first)),
                    this::failed);
        }

        private void safely(Runnable next) {
            try {
                next.run();
            } catch (Throwable e) {
                failed(e);
            }
        }

        private void failed(Throwable failure) {
            LOG.debugf("DS SSE read of %s ended: %s", stream.path(), failure.toString());
            finish();
        }

        private void write(DsReads.Batch batch, String cursor, boolean first) {
            String next = cursor;
            // the first answer, any messages, and the closure (its control event says so) are written
            if (!batch.messages().isEmpty() || first || batch.closed()) {
                next = batch.closed() ? cursor : DsCursor.next(cursor, System.currentTimeMillis());
                StringBuilder out = new StringBuilder();
                if (!batch.messages().isEmpty()) {
                    data(out, stream, batch.messages());
                }
                control(out, batch, next);
                response.write(Buffer.buffer(out.toString()));
            }
            if (batch.closed()) {
                finish();
                return;
            }
            String sent = next;
            long offset = batch.next();
            if (batch.upToDate()) {
                afterDrain(() -> follow(offset, sent));
            } else {
                afterDrain(() -> step(offset, sent, false));
            }
        }

        /**
         * Waits at the tail for more, writing a comment line every {@code journal.ds.sse-heartbeat} so that
         * proxies keep an idle connection open.
         */
        private void follow(long offset, String cursor) {
            long beat = Math.min(deadline, System.nanoTime() + config.sseHeartbeat().toNanos());
            reads.await(reader, offset, beat, () -> ended, seen -> safely(() -> {
                if (ended || seen != null && seen.gone() || hub.draining() || over()) {
                    finish();
                } else if (seen != null && (seen.head() > offset || seen.closed())) {
                    step(offset, cursor, false);
                } else {
                    response.write(Buffer.buffer(HEARTBEAT));
                    afterDrain(() -> follow(offset, cursor));
                }
            }));
        }

        /** The SSE duration (or the token) ran out: the client resumes from its last offset. */
        private boolean over() {
            return System.nanoTime() - deadline >= 0;
        }

        /**
         * Runs {@code then} once the response can take more (a slow client holds the read back), the client
         * left, or the deadline passed (a client that stopped reading is not held for longer than the
         * response lasts).
         */
        private void afterDrain(Runnable then) {
            if (ended || !response.writeQueueFull()) {
                then.run();
                return;
            }
            held.incrementAndGet();
            AtomicBoolean once = new AtomicBoolean();
            long[] timer = {-1};
            Runnable done = () -> {
                if (once.compareAndSet(false, true)) {
                    held.decrementAndGet();
                    drained = null;
                    if (timer[0] >= 0) {
                        vertx.cancelTimer(timer[0]);
                    }
                    safely(then);
                }
            };
            drained = done;
            response.drainHandler(v -> done.run());
            timer[0] = vertx.setTimer(Signal.millisAtLeast(deadline - System.nanoTime()), id -> done.run());
            if (ended || !response.writeQueueFull()) {
                done.run();
            }
        }

        private void finish() {
            if (finished) {
                return;
            }
            finished = true;
            try {
                reader.close();
            } finally {
                if (!response.ended() && !response.closed()) {
                    response.end();
                }
            }
        }
    }

    static boolean base64(DsStream stream) {
        return !DsContentTypes.isText(stream.contentType());
    }

    private static void data(StringBuilder out, DsStream stream, List<Message> messages) {
        byte[] body = DsReads.body(stream, messages);
        out.append("event: data\n");
        if (base64(stream)) {
            out.append("data:").append(Base64.getEncoder().encodeToString(body)).append('\n');
        } else {
            for (String line : LINES.split(new String(body, StandardCharsets.UTF_8), -1)) {
                out.append("data:").append(line).append('\n');
            }
        }
        out.append('\n');
    }

    private static void control(StringBuilder out, DsReads.Batch batch, String cursor) {
        out.append("event: control\ndata:{\"streamNextOffset\":\"").append(DsOffset.format(batch.next())).append('"');
        if (batch.closed()) {
            out.append(",\"streamClosed\":true");
        } else {
            out.append(",\"streamCursor\":\"").append(cursor).append('"');
        }
        if (batch.upToDate()) {
            out.append(",\"upToDate\":true");
        }
        out.append("}\n\n");
    }
}
