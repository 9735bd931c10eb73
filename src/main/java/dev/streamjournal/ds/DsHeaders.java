package dev.streamjournal.ds;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/** The protocol's header names and the pure parsing of their values. */
final class DsHeaders {

    static final String NEXT_OFFSET = "Stream-Next-Offset";
    static final String UP_TO_DATE = "Stream-Up-To-Date";
    static final String CURSOR = "Stream-Cursor";
    static final String CLOSED = "Stream-Closed";
    static final String SEQ = "Stream-Seq";
    static final String TTL = "Stream-TTL";
    static final String EXPIRES_AT = "Stream-Expires-At";
    static final String FORKED_FROM = "Stream-Forked-From";
    static final String FORK_OFFSET = "Stream-Fork-Offset";
    static final String FORK_SUB_OFFSET = "Stream-Fork-Sub-Offset";
    static final String SSE_ENCODING = "Stream-SSE-Data-Encoding";
    static final String PRODUCER_ID = "Producer-Id";
    static final String PRODUCER_EPOCH = "Producer-Epoch";
    static final String PRODUCER_SEQ = "Producer-Seq";
    static final String PRODUCER_EXPECTED_SEQ = "Producer-Expected-Seq";
    static final String PRODUCER_RECEIVED_SEQ = "Producer-Received-Seq";

    /** Every header a browser client may read. */
    static final String EXPOSED = String.join(", ", NEXT_OFFSET, UP_TO_DATE, CURSOR, CLOSED, TTL, EXPIRES_AT,
            SSE_ENCODING, PRODUCER_EPOCH, PRODUCER_SEQ, PRODUCER_EXPECTED_SEQ, PRODUCER_RECEIVED_SEQ, "ETag",
            "Content-Type", "Location");

    /** Every header a browser client may send. */
    static final String ALLOWED = String.join(", ", "Authorization", "Content-Type", SEQ, TTL, EXPIRES_AT, CLOSED,
            FORKED_FROM, FORK_OFFSET, FORK_SUB_OFFSET, PRODUCER_ID, PRODUCER_EPOCH, PRODUCER_SEQ, "If-None-Match");

    static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
    private static final Pattern DECIMAL = Pattern.compile("0|[1-9][0-9]{0,15}");

    private DsHeaders() {
    }

    /** {@code Stream-Closed} counts only when it is {@code true}, in any case. */
    static boolean isTrue(String value) {
        return value != null && value.trim().equalsIgnoreCase("true");
    }

    /**
     * A non-negative decimal integer without sign, leading zero, point or exponent, at most 2^53-1; null
     * when the value is not one.
     */
    static Long decimal(String value) {
        if (value == null || !DECIMAL.matcher(value).matches()) {
            return null;
        }
        long parsed = Long.parseLong(value);
        return parsed <= MAX_SAFE_INTEGER ? parsed : null;
    }

    /** An RFC 3339 timestamp (with an offset or Z), or null when the value is not one. */
    static Instant timestamp(String value) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
