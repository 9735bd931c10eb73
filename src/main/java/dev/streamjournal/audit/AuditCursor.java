package dev.streamjournal.audit;

import dev.streamjournal.common.ProblemException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The opaque keyset cursor of audit pages: the last position (or lifecycle id) a reader has seen. */
public final class AuditCursor {

    private static final String PREFIX = "v1:";

    private AuditCursor() {
    }

    public static String encode(long position) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((PREFIX + position).getBytes(StandardCharsets.UTF_8));
    }

    /** The position after which to read; 0 when no cursor is given. */
    public static long decode(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return 0;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (text.startsWith(PREFIX)) {
                long position = Long.parseLong(text.substring(PREFIX.length()));
                if (position >= 0) {
                    return position;
                }
            }
        } catch (IllegalArgumentException e) {
            // falls through to the problem below
        }
        throw ProblemException.invalidRequest("after is not a cursor this service issued");
    }
}
