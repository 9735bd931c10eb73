package dev.streamjournal.ds;

import dev.streamjournal.ds.DsRepository.Message;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * SSE reads: {@code data} events with the messages (text and JSON as text, any other type base64) and a
 * {@code control} event after each with the next offset, the cursor, and whether the reader is up to date
 * or the stream closed. The response ends at closure, after {@code journal.ds.sse-duration} (the client
 * resumes from its last offset), when the stream goes, or when the replica drains.
 */
@ApplicationScoped
public class DsSse {

    private static final Logger LOG = Logger.getLogger(DsSse.class);
    private static final Pattern LINES = Pattern.compile("\r\n|\r|\n");

    private final DsReads reads;
    private final DsHub hub;
    private final DsConfig config;

    public DsSse(DsReads reads, DsHub hub, DsConfig config) {
        this.reads = reads;
        this.hub = hub;
        this.config = config;
    }

    /** The response headers are set and written by the caller's {@code prepare}; this writes the body. */
    void serve(HttpServerResponse response, DsStream stream, long offset, String cursor) {
        DsHub.Reader reader = hub.follow(stream.sessionId(), stream.streamId());
        boolean[] ended = {false};
        response.closeHandler(v -> {
            ended[0] = true;
            reader.signal.wake();
        });
        long deadline = System.nanoTime() + config.sseDuration().toNanos();
        step(response, reader, stream, offset, cursor, true, deadline, ended)
                .subscribe().with(
                        done -> finish(response, reader),
                        failure -> {
                            LOG.debugf("DS SSE read of %s ended: %s", stream.path(), failure.toString());
                            finish(response, reader);
                        });
    }

    private Uni<Void> step(HttpServerResponse response, DsHub.Reader reader, DsStream stream, long offset,
            String cursor, boolean first, long deadline, boolean[] ended) {
        if (ended[0]) {
            return Uni.createFrom().voidItem();
        }
        DsFeed.Snapshot snapshot = reader.feed.snapshot();
        if (snapshot != null && snapshot.gone()) {
            return Uni.createFrom().voidItem();
        }
        return reads.batch(stream, offset, snapshot).chain(batch -> {
            String next = cursor;
            if (!batch.messages().isEmpty() || first) {
                next = batch.closed() ? cursor : DsCursor.next(cursor, System.currentTimeMillis());
                StringBuilder out = new StringBuilder();
                if (!batch.messages().isEmpty()) {
                    data(out, stream, batch.messages());
                }
                control(out, batch, next);
                response.write(Buffer.buffer(out.toString()));
            }
            if (batch.closed()) {
                return Uni.createFrom().voidItem();
            }
            String sent = next;
            if (!batch.upToDate()) {
                return step(response, reader, stream, batch.next(), sent, false, deadline, ended);
            }
            return reads.await(reader, batch.next(), deadline).chain(seen -> {
                boolean more = seen != null && !seen.gone() && (seen.head() > batch.next() || seen.closed());
                if (!more || ended[0]) {
                    return Uni.createFrom().voidItem();
                }
                return step(response, reader, stream, batch.next(), sent, false, deadline, ended);
            });
        });
    }

    private static void finish(HttpServerResponse response, DsHub.Reader reader) {
        reader.close();
        if (!response.ended() && !response.closed()) {
            response.end();
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
