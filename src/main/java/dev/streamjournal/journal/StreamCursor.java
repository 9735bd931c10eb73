package dev.streamjournal.journal;

import dev.streamjournal.common.Ids;
import dev.streamjournal.common.ProblemException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * The opaque keyset cursor of the stream listing: the creation time (to the microsecond, as stored) and
 * the id of the last stream a reader has seen; the next page holds the streams created before it.
 */
public record StreamCursor(OffsetDateTime createdAt, String streamId) {

    private static final String PREFIX = "s1:";

    /** After every stream there is (none is created in the year 10000): the first page. */
    static final StreamCursor START = new StreamCursor(OffsetDateTime.parse("9999-12-31T23:59:59Z"), "");

    public String encode() {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, createdAt.toInstant());
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((PREFIX + micros + ":" + streamId).getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor a reader passed as {@code after}; the first page when none is given. */
    public static StreamCursor decode(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return START;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int colon = text.indexOf(':', PREFIX.length());
            if (text.startsWith(PREFIX) && colon > PREFIX.length() && Ids.isValid(text.substring(colon + 1))) {
                long micros = Long.parseLong(text.substring(PREFIX.length(), colon));
                Instant at = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
                return new StreamCursor(at.atOffset(ZoneOffset.UTC), text.substring(colon + 1));
            }
        } catch (IllegalArgumentException | ArithmeticException | java.time.DateTimeException e) {
            // falls through to the problem below
        }
        throw ProblemException.invalidRequest("after is not a cursor this service issued");
    }
}
