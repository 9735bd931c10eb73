package dev.streamjournal.ds;

import dev.streamjournal.ds.DsRepository.Message;
import dev.streamjournal.security.Caller;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The reads of Durable Streams: catch-up from an offset, and long-poll, which waits at the tail on the
 * stream's live feed (one journal read per change for every reader of this replica).
 */
@ApplicationScoped
public class DsReads {

    /** A batch read after an offset: the messages, the offset after them, and where that is. */
    record Batch(List<Message> messages, long next, boolean upToDate, boolean closed) {
    }

    private final DsService service;
    private final DsHub hub;
    private final DsConfig config;

    public DsReads(DsService service, DsHub hub, DsConfig config) {
        this.service = service;
        this.hub = hub;
        this.config = config;
    }

    /** The messages after {@code offset} as the stream stands. */
    Uni<Batch> batch(DsStream stream, long offset, DsFeed.Snapshot feed) {
        // a feed behind the row this read started from (its change not heard yet) is not used: the journal is
        DsFeed.Snapshot snapshot = feed != null && feed.head() >= stream.lastSeq() ? feed : null;
        long head = snapshot != null ? Math.max(snapshot.head(), stream.lastSeq()) : stream.lastSeq();
        boolean closed = snapshot != null && snapshot.head() >= stream.lastSeq() ? snapshot.closed() : stream.closed();
        if (offset >= head) {
            return Uni.createFrom().item(new Batch(List.of(), offset, true, closed));
        }
        return service.messages(stream, offset, snapshot).map(messages -> {
            long next = messages.isEmpty() ? offset : messages.get(messages.size() - 1).seq();
            boolean upToDate = next >= head;
            return new Batch(messages, next, upToDate, upToDate && closed);
        });
    }

    /** A catch-up read: 200 with the messages after the offset (or 304 when the client has them). */
    Uni<DsReply> catchUp(DsStream stream, long offset, boolean tailRequested, String ifNoneMatch, String cursor) {
        return batch(stream, offset, null).map(batch -> {
            String etag = etag(stream, offset, batch);
            if (etag.equals(ifNoneMatch)) {
                return DsReply.of(304).header("ETag", etag).header(DsHeaders.NEXT_OFFSET, DsOffset.format(batch.next()));
            }
            DsReply reply = dataReply(stream, batch).header("ETag", etag);
            reply.header("Cache-Control", tailRequested || batch.upToDate() && !batch.closed() && batch.messages().isEmpty()
                    ? "no-store" : "private, max-age=60, stale-while-revalidate=300");
            if (cursor != null) {
                reply.header(DsHeaders.CURSOR, DsCursor.next(cursor, System.currentTimeMillis()));
            }
            return reply;
        });
    }

    /**
     * A long-poll: data after the offset at once if there is any, else the first that comes, else 204. Its
     * wait ends (and its place on the feed is let go) when the client leaves: {@code onClose} is given what
     * to run then.
     */
    Uni<DsReply> longPoll(Caller caller, DsStream stream, long offset, String cursor, Consumer<Runnable> onClose) {
        if (offset < stream.lastSeq()) {
            return batch(stream, offset, null).map(batch -> live(dataReply(stream, batch), batch, cursor));
        }
        if (stream.closed()) {
            return Uni.createFrom().item(atTail(stream, offset, true, cursor));
        }
        DsHub.Reader reader = hub.follow(stream.sessionId(), stream.streamId());
        AtomicBoolean left = new AtomicBoolean();
        onClose.accept(() -> {
            left.set(true);
            reader.signal.wake();
        });
        long deadline = System.nanoTime() + config.longPollTimeout().toNanos();
        return Uni.createFrom().<DsFeed.Snapshot>emitter(waiting -> await(reader, offset, deadline, left::get, waiting::complete))
                .chain(snapshot -> {
                    if (snapshot != null && snapshot.gone()) {
                        // deleted meanwhile: 404, or 410 while forks hold it
                        return service.find(caller, stream.path()).map(now -> {
                            DsReply absent = DsStream.absent(now, Instant.now());
                            return absent != null ? absent : DsReply.notFound();
                        });
                    }
                    if (snapshot == null || snapshot.head() <= offset) {
                        return Uni.createFrom().item(atTail(stream, offset, snapshot != null && snapshot.closed(), cursor));
                    }
                    return batch(stream, offset, snapshot).map(batch -> live(dataReply(stream, batch), batch, cursor));
                })
                .onTermination().invoke(reader::close);
    }

    /**
     * Calls {@code then} with the feed's snapshot (null: not read yet) once it holds more than
     * {@code offset}, the stream closed or went, the deadline passed, the replica drains, or
     * {@code stopped} (the client left; a wake of the reader's signal makes it look). Each wake looks
     * afresh: nothing of an earlier look is kept.
     */
    void await(DsHub.Reader reader, long offset, long deadline, BooleanSupplier stopped, Consumer<DsFeed.Snapshot> then) {
        long seen = reader.signal.version();
        DsFeed.Snapshot snapshot = reader.feed.snapshot();
        long remaining = deadline - System.nanoTime();
        if (snapshot != null && (snapshot.head() > offset || snapshot.closed() || snapshot.gone())
                || remaining <= 0 || hub.draining() || stopped.getAsBoolean()) {
            then.accept(snapshot);
            return;
        }
        reader.signal.onChange(seen, Duration.ofNanos(remaining), woke -> await(reader, offset, deadline, stopped, then));
    }

    private static DsReply atTail(DsStream stream, long offset, boolean closed, String cursor) {
        DsReply reply = DsReply.of(204)
                .header(DsHeaders.NEXT_OFFSET, DsOffset.format(offset))
                .header(DsHeaders.UP_TO_DATE, "true")
                .header("Cache-Control", "no-store");
        if (closed) {
            reply.header(DsHeaders.CLOSED, "true");
        } else {
            reply.header(DsHeaders.CURSOR, DsCursor.next(cursor, System.currentTimeMillis()));
        }
        return reply;
    }

    private static DsReply live(DsReply reply, Batch batch, String cursor) {
        reply.header("Cache-Control", "no-store");
        if (!batch.closed()) {
            reply.header(DsHeaders.CURSOR, DsCursor.next(cursor, System.currentTimeMillis()));
        }
        return reply;
    }

    /** 200 with the batch's body and the headers every data response carries. */
    static DsReply dataReply(DsStream stream, Batch batch) {
        DsReply reply = DsReply.of(200)
                .header("Content-Type", stream.contentType())
                .header(DsHeaders.NEXT_OFFSET, DsOffset.format(batch.next()))
                .body(body(stream, batch.messages()));
        if (batch.upToDate()) {
            reply.header(DsHeaders.UP_TO_DATE, "true");
        }
        if (batch.closed()) {
            reply.header(DsHeaders.CLOSED, "true");
        }
        return reply;
    }

    /** Messages as a response body: a JSON array in JSON mode, else their bytes one after another. */
    static byte[] body(DsStream stream, List<Message> messages) {
        if (stream.json()) {
            List<byte[]> bodies = new ArrayList<>(messages.size());
            messages.forEach(message -> bodies.add(message.body()));
            return DsJson.array(bodies);
        }
        if (messages.size() == 1) {
            return messages.get(0).body();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        messages.forEach(message -> out.writeBytes(message.body()));
        return out.toByteArray();
    }

    /** {@code "stream:start:end"}, closed streams marked, so that a cached answer is never taken for another. */
    static String etag(DsStream stream, long offset, Batch batch) {
        return "\"" + stream.streamId().substring(3) + ":" + DsOffset.format(offset) + ":" + DsOffset.format(batch.next())
                + (batch.closed() ? ":c" : "") + "\"";
    }
}
