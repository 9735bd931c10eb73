package dev.streamjournal.ds;

import dev.streamjournal.common.Problem;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A DS response before it is written: status, headers in order, body (empty for none). */
public final class DsReply {

    public final int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    byte[] body = new byte[0];

    private DsReply(int status) {
        this.status = status;
    }

    public static DsReply of(int status) {
        return new DsReply(status);
    }

    /**
     * A problem document ({@code application/problem+json}) with a stable slug, as every bad request of
     * the service gets; the protocol's status codes and headers are kept.
     */
    public static DsReply problem(int status, String slug, String title, String detail) {
        DsReply reply = new DsReply(status);
        reply.header("Content-Type", Problem.MEDIA_TYPE);
        String json = "{\"type\":\"" + Problem.TYPE_PREFIX + slug + "\",\"title\":\"" + title + "\",\"status\":"
                + status + ",\"detail\":\"" + escape(detail) + "\"}";
        reply.body = json.getBytes(StandardCharsets.UTF_8);
        return reply;
    }

    static DsReply badRequest(String slug, String detail) {
        return problem(400, slug, "Invalid request", detail);
    }

    static DsReply notFound() {
        return problem(404, "not-found", "Not found", "no stream at this path");
    }

    static DsReply gone() {
        return problem(410, "stream-deleted", "Gone", "the stream was deleted; its forks still hold its data");
    }

    static DsReply conflict(String slug, String detail) {
        return problem(409, slug, "Conflict", detail);
    }

    public DsReply header(String name, Object value) {
        if (value != null) {
            headers.put(name, value.toString());
        }
        return this;
    }

    public DsReply body(byte[] bytes) {
        this.body = bytes;
        return this;
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
