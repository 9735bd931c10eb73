package dev.streamjournal.common;

import java.util.Map;

/**
 * A failure the client can act on: one HTTP status, one stable slug, a human detail and optional
 * extension members of the problem document (RFC 9457).
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String slug;
    private final String title;
    private final Map<String, Object> extensions;

    public ProblemException(int status, String slug, String title, String detail, Map<String, Object> extensions) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
        this.title = title;
        this.extensions = Map.copyOf(extensions);
    }

    public ProblemException(int status, String slug, String title, String detail) {
        this(status, slug, title, detail, Map.of());
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "not-found", "Not found", detail);
    }

    public static ProblemException invalidRequest(String detail) {
        return new ProblemException(400, "invalid-request", "Invalid request", detail);
    }

    public static ProblemException invalidEvent(String detail) {
        return new ProblemException(400, "invalid-event", "Invalid event", detail);
    }

    public static ProblemException tooLarge(String detail) {
        return new ProblemException(413, "payload-too-large", "Payload too large", detail);
    }

    public int status() {
        return status;
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }
}
