package dev.streamjournal.common;

import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds RFC 9457 problem documents with the slug scheme of the API contract. */
public final class Problem {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final String TYPE_PREFIX = "https://stream-journal.dev/problems/";

    private Problem() {
    }

    public static Response response(int status, String slug, String title, String detail, Map<String, Object> extensions) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_PREFIX + slug);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.putAll(extensions);
        return Response.status(status).type(MEDIA_TYPE).entity(body).build();
    }

    public static Response response(ProblemException problem) {
        return response(problem.status(), problem.slug(), problem.title(), problem.getMessage(), problem.extensions());
    }
}
