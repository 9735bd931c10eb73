package dev.streamjournal.ds;

import io.vertx.mutiny.sqlclient.Row;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * A DS stream as stored: its journal stream (session and stream id), its protocol configuration and
 * writer state, and the journal's view of it (last seq, closed, pruned).
 */
record DsStream(String sessionId, String streamId, String path, String contentType, Long ttlSeconds,
        Instant expiresAt, boolean fixedExpiry, String writerSeq, String closedByProducer, Long closedByEpoch,
        Long closedBySeq, String forkedFrom, Integer forkSeq, long forkSubOffset, String sourceSessionId, String sourceStreamId,
        int forks, boolean deleted, long lastSeq, boolean closed, boolean pruned) {

    /** The columns {@link #of} reads, for statements that join ds_streams {@code d} and streams {@code st}. */
    static final String COLUMNS = """
            d.session_id, d.stream_id, d.path, d.content_type, d.ttl_seconds, d.expires_at, d.fixed_expiry,
            d.writer_seq, d.closed_by_producer, d.closed_by_epoch, d.closed_by_seq, d.forked_from, d.fork_seq, d.fork_sub_offset,
            d.source_session_id, d.source_stream_id, d.forks, d.deleted_at is not null as deleted,
            st.last_seq, st.closed, st.payloads_pruned_at is not null as pruned""";

    static DsStream of(Row row) {
        OffsetDateTime expires = row.getOffsetDateTime("expires_at");
        return new DsStream(row.getString("session_id"), row.getString("stream_id"), row.getString("path"),
                row.getString("content_type"), row.getLong("ttl_seconds"), expires == null ? null : expires.toInstant(),
                row.getBoolean("fixed_expiry"), row.getString("writer_seq"), row.getString("closed_by_producer"),
                row.getLong("closed_by_epoch"), row.getLong("closed_by_seq"), row.getString("forked_from"),
                row.getInteger("fork_seq"), row.getLong("fork_sub_offset"), row.getString("source_session_id"), row.getString("source_stream_id"),
                row.getInteger("forks"), row.getBoolean("deleted"), row.getInteger("last_seq"), row.getBoolean("closed"),
                row.getBoolean("pruned"));
    }

    /**
     * The answer to a request on the path other than a create: null while the stream is there; 410 once
     * deleted, or expired, while forks still hold it, and once retention pruned its messages; 404 when
     * expired with no forks, and once deleted and no longer held by forks.
     */
    DsReply absence(Instant now) {
        if (orphaned()) {
            return DsReply.notFound();
        }
        if (deleted || pruned || expired(now) && forks > 0) {
            return DsReply.gone();
        }
        return expired(now) ? DsReply.notFound() : null;
    }

    /** The answer to a request on a path whose stream may be missing (null): 404, or {@link #absence}. */
    static DsReply absent(DsStream stream, Instant now) {
        return stream == null ? DsReply.notFound() : stream.absence(now);
    }

    /** Deleted while forks held it, and held by none since (retention deleted them): gone for good. */
    boolean orphaned() {
        return deleted && forks <= 0;
    }

    boolean expired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    boolean json() {
        return DsContentTypes.isJson(contentType);
    }

    String tail() {
        return DsOffset.format(lastSeq);
    }
}
