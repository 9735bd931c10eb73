package dev.streamjournal.common;

/** Parses numeric query parameters strictly, so that bad values are a 400, never a 404 or a 500. */
public final class QueryParams {

    private QueryParams() {
    }

    public static int intInRange(String name, String raw, int min, int max, int fallback) {
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw ProblemException.invalidRequest(name + " must be an integer");
        }
        if (value < min || value > max) {
            throw ProblemException.invalidRequest(name + " must be between " + min + " and " + max);
        }
        return (int) value;
    }
}
