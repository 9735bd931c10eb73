package dev.streamjournal.common;

import java.util.regex.Pattern;

/** Session and stream ids: 1 to 128 characters of {@code [A-Za-z0-9._:-]}. */
public final class Ids {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private Ids() {
    }

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /** Returns the id, or throws a 400 {@code invalid-id} problem naming the field. */
    public static String require(String field, String id) {
        if (!isValid(id)) {
            throw invalid(field);
        }
        return id;
    }

    /** The 400 {@code invalid-id} problem of a field. */
    public static ProblemException invalid(String field) {
        return new ProblemException(400, "invalid-id", "Invalid id", field + " must be 1-128 characters of [A-Za-z0-9._:-]");
    }
}
