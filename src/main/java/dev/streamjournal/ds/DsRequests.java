package dev.streamjournal.ds;

import io.vertx.core.MultiMap;
import java.time.Instant;
import java.util.function.Function;

/** The checks of a request's headers and parameters, before anything is read or written. */
final class DsRequests {

    /** A request checked: either the problem to answer or what it asks for. */
    record Parsed<T>(DsReply problem, T request) {

        <R> R map(Function<DsReply, R> onProblem, Function<T, R> onRequest) {
            return problem != null ? onProblem.apply(problem) : onRequest.apply(request);
        }
    }

    /** The longest TTL, 100 years: an expiry past PostgreSQL's timestamps would fail the write. */
    static final long MAX_TTL_SECONDS = 100L * 365 * 24 * 3600;

    /** The expiries an RFC 3339 timestamp writes with four digits: years 0001 to 9999. */
    static final Instant MIN_EXPIRES_AT = Instant.parse("0001-01-01T00:00:00Z");
    static final Instant MAX_EXPIRES_AT = Instant.parse("9999-12-31T23:59:59Z");

    private DsRequests() {
    }

    static Parsed<DsService.Create> create(String path, String location, MultiMap headers, byte[] body) {
        // a Content-Type that is no media type counts as none (the default, or a fork's source's)
        String contentType = headers.get("Content-Type");
        if (contentType != null && !DsContentTypes.valid(contentType)) {
            contentType = null;
        }
        String ttlHeader = headers.get(DsHeaders.TTL);
        String expiresHeader = headers.get(DsHeaders.EXPIRES_AT);
        Long ttl = null;
        if (ttlHeader != null) {
            ttl = DsHeaders.decimal(ttlHeader.trim());
            if (ttl == null || ttl > MAX_TTL_SECONDS) {
                return problem(DsReply.badRequest("invalid-ttl",
                        "Stream-TTL must be a non-negative decimal integer of at most " + MAX_TTL_SECONDS + " seconds"));
            }
        }
        Instant expiresAt = null;
        if (expiresHeader != null) {
            expiresAt = DsHeaders.timestamp(expiresHeader);
            if (expiresAt == null || expiresAt.isBefore(MIN_EXPIRES_AT) || expiresAt.isAfter(MAX_EXPIRES_AT)) {
                return problem(DsReply.badRequest("invalid-expires-at",
                        "Stream-Expires-At must be an RFC 3339 timestamp from " + MIN_EXPIRES_AT + " to " + MAX_EXPIRES_AT));
            }
        }
        if (ttl != null && expiresAt != null) {
            return problem(DsReply.badRequest("conflicting-expiry", "give Stream-TTL or Stream-Expires-At, not both"));
        }
        String forkedFrom = headers.get(DsHeaders.FORKED_FROM);
        String forkOffset = headers.get(DsHeaders.FORK_OFFSET);
        String subOffset = headers.get(DsHeaders.FORK_SUB_OFFSET);
        Long forkSeq = null;
        long forkSubOffset = 0;
        if (subOffset != null) {
            Long parsed = DsHeaders.decimal(subOffset.trim());
            if (forkedFrom == null || parsed == null) {
                return problem(DsReply.badRequest("invalid-fork-sub-offset",
                        "Stream-Fork-Sub-Offset is a non-negative integer, with Stream-Forked-From"));
            }
            forkSubOffset = parsed;
        }
        if (forkedFrom != null) {
            forkedFrom = sourcePath(forkedFrom.trim());
            if (forkedFrom == null) {
                return problem(DsReply.badRequest("invalid-fork-source", "Stream-Forked-From is not a stream path"));
            }
            if (forkOffset != null) {
                Long seq = DsOffset.parse(forkOffset.trim());
                if (seq == null || seq < 0 || forkOffset.trim().equals("-1") || forkOffset.isBlank()) {
                    return problem(DsReply.badRequest("invalid-fork-offset", "Stream-Fork-Offset is not an offset"));
                }
                forkSeq = seq;
            }
        } else if (forkOffset != null) {
            return problem(DsReply.badRequest("invalid-fork-offset", "Stream-Fork-Offset needs Stream-Forked-From"));
        }
        return new Parsed<>(null, new DsService.Create(path, location, contentType, ttl, expiresAt,
                DsHeaders.isTrue(headers.get(DsHeaders.CLOSED)), forkedFrom, forkSeq, forkSubOffset, body));
    }

    static Parsed<DsService.Append> append(String path, MultiMap headers, byte[] body) {
        boolean close = DsHeaders.isTrue(headers.get(DsHeaders.CLOSED));
        if (body.length == 0 && !close) {
            return problem(DsReply.badRequest("empty-body", "an append needs a body (or Stream-Closed: true)"));
        }
        String contentType = headers.get("Content-Type");
        if (body.length > 0 && contentType != null && !DsContentTypes.valid(contentType)) {
            return problem(DsReply.badRequest("invalid-content-type", "Content-Type is not a media type"));
        }
        String id = headers.get(DsHeaders.PRODUCER_ID);
        String epoch = headers.get(DsHeaders.PRODUCER_EPOCH);
        String seq = headers.get(DsHeaders.PRODUCER_SEQ);
        DsProducer producer = null;
        if (id != null || epoch != null || seq != null) {
            if (id == null || epoch == null || seq == null) {
                return problem(DsReply.badRequest("invalid-producer",
                        "Producer-Id, Producer-Epoch and Producer-Seq come together"));
            }
            Long epochValue = DsHeaders.decimal(epoch.trim());
            Long seqValue = DsHeaders.decimal(seq.trim());
            if (id.isBlank() || epochValue == null || seqValue == null) {
                return problem(DsReply.badRequest("invalid-producer",
                        "Producer-Id is a non-empty string; Producer-Epoch and Producer-Seq are integers from 0 to 2^53-1"));
            }
            producer = new DsProducer(id, epochValue, seqValue);
        }
        String streamSeq = headers.get(DsHeaders.SEQ);
        return new Parsed<>(null, new DsService.Append(path, contentType, body, close, streamSeq, producer));
    }

    /** The checks of a read's parameters: null when they are fine. */
    static DsReply checkRead(String live, String offset, int offsets) {
        if (live != null && !live.equals("long-poll") && !live.equals("sse")) {
            return DsReply.badRequest("invalid-live", "live is long-poll or sse");
        }
        if (offsets > 1) {
            return DsReply.badRequest("invalid-offset", "give one offset");
        }
        if (live != null && offset == null) {
            return DsReply.badRequest("invalid-offset", "a live read needs an offset");
        }
        if (offset != null && DsOffset.parse(offset) == null) {
            return DsReply.badRequest("invalid-offset", "the offset is not one this server gave");
        }
        return null;
    }

    /** The stream path of a {@code Stream-Forked-From} value: a full or stream-relative path. */
    static String sourcePath(String value) {
        String path = value;
        if (path.startsWith("/ds/")) {
            path = path.substring(3);
        }
        if (path.startsWith("/v1/stream/")) {
            path = path.substring("/v1/stream/".length());
        } else if (path.startsWith("/")) {
            return null;
        }
        return path.isEmpty() ? null : path;
    }

    private static <T> Parsed<T> problem(DsReply reply) {
        return new Parsed<>(reply, null);
    }
}
