package dev.streamjournal.ds;

import java.util.regex.Pattern;

/**
 * Durable Streams offsets over the journal's gapless seq: {@code RRRRRRRRRRRRRRRR_SSSSSSSSSSSSSSSS}, two
 * fields of 16 decimal digits. The second is the seq of the last message before the offset (0: the start),
 * so a read from an offset returns the messages with a greater seq; the first is reserved and always 0.
 * Fixed width makes them compare lexicographically in stream order, as the protocol requires.
 */
public final class DsOffset {

    /** The offset of an empty stream's start. */
    public static final String ZERO = format(0);

    private static final Pattern FORMAT = Pattern.compile("0{16}_\\d{16}");

    private DsOffset() {
    }

    public static String format(long seq) {
        return "0000000000000000_" + String.format("%016d", seq);
    }

    /**
     * The seq an offset stands for: {@code -1} (or no offset) is the start; {@code now} is the tail,
     * returned as -1 for the caller to resolve; anything not of the form is null (a 400).
     */
    public static Long parse(String offset) {
        if (offset == null || offset.equals("-1")) {
            return 0L;
        }
        if (offset.equals("now")) {
            return -1L;
        }
        if (!FORMAT.matcher(offset).matches()) {
            return null;
        }
        return Long.parseLong(offset.substring(17));
    }
}
