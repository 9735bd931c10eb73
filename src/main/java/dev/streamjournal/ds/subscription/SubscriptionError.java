package dev.streamjournal.ds.subscription;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.common.Problem;
import dev.streamjournal.ds.DsReply;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * A refused subscription request: a problem document, as every bad request of the service gets, that
 * also carries the protocol's {@code error} object ({@code {"code": "FENCED", "message": ...}} and its
 * extra fields), so that Durable Streams clients read it as theirs.
 */
record SubscriptionError(int status, String code, String message, Map<String, Object> extra) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static final String INVALID_REQUEST = "INVALID_REQUEST";
    static final String NOT_FOUND = "SUBSCRIPTION_NOT_FOUND";
    static final String ALREADY_EXISTS = "SUBSCRIPTION_ALREADY_EXISTS";
    static final String URL_REJECTED = "WEBHOOK_URL_REJECTED";
    static final String TOKEN_INVALID = "TOKEN_INVALID";
    static final String TOKEN_EXPIRED = "TOKEN_EXPIRED";
    static final String FENCED = "FENCED";
    static final String ALREADY_CLAIMED = "ALREADY_CLAIMED";
    static final String NO_PENDING_WORK = "NO_PENDING_WORK";
    static final String INVALID_OFFSET = "INVALID_OFFSET";

    static SubscriptionError of(int status, String code, String message) {
        return new SubscriptionError(status, code, message, Map.of());
    }

    static SubscriptionError invalid(String message) {
        return of(400, INVALID_REQUEST, message);
    }

    static SubscriptionError notFound() {
        return of(404, NOT_FOUND, "Subscription not found");
    }

    /** A reserved control path that names no route. */
    static SubscriptionError noRoute() {
        return of(404, NOT_FOUND, "Durable Streams control route not found");
    }

    static SubscriptionError fenced() {
        return of(409, FENCED, "Wake generation is stale");
    }

    DsReply reply() {
        ObjectNode body = JSON.createObjectNode()
                .put("type", Problem.TYPE_PREFIX + code.toLowerCase(Locale.ROOT).replace('_', '-'))
                .put("title", title())
                .put("status", status)
                .put("detail", message);
        ObjectNode error = body.putObject("error").put("code", code).put("message", message);
        extra.forEach((name, value) -> error.set(name, JSON.valueToTree(value)));
        return DsReply.of(status).header("Content-Type", Problem.MEDIA_TYPE)
                .body(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private String title() {
        return switch (status) {
            case 400 -> "Invalid request";
            case 401 -> "Unauthorized";
            case 404 -> "Not found";
            default -> "Conflict";
        };
    }
}
