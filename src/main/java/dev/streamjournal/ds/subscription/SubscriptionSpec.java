package dev.streamjournal.ds.subscription;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * What a subscription PUT asks for, checked and normalized (paths without leading or trailing slashes,
 * explicit streams sorted and unique), and the hash of that normalized form that tells a re-confirmation
 * (same hash, 200) from a conflicting one (409).
 */
record SubscriptionSpec(String type, String pattern, List<String> streams, String webhookUrl, String wakeStream,
        int leaseTtlMs, String description) {

    static final String WEBHOOK = "webhook";
    static final String PULL_WAKE = "pull-wake";
    static final int DEFAULT_LEASE_TTL_MS = 30_000;
    static final int MIN_LEASE_TTL_MS = 1_000;
    static final int MAX_LEASE_TTL_MS = 600_000;
    static final int MAX_STREAMS = 1_000;
    static final int MAX_PATH = 1_024;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A parsed request: the spec, or why it is refused. */
    record Parsed<T>(T value, SubscriptionError error) {
        static <T> Parsed<T> ok(T value) {
            return new Parsed<>(value, null);
        }

        static <T> Parsed<T> refused(SubscriptionError error) {
            return new Parsed<>(null, error);
        }
    }

    static Parsed<SubscriptionSpec> parse(byte[] body, boolean allowLoopbackHttp) {
        JsonNode json = object(body);
        if (json == null) {
            return Parsed.refused(SubscriptionError.invalid("the body must be a JSON object"));
        }
        String type = json.path("type").asText("");
        if (!type.equals(WEBHOOK) && !type.equals(PULL_WAKE)) {
            return Parsed.refused(SubscriptionError.invalid("type must be \"webhook\" or \"pull-wake\""));
        }
        String pattern = json.path("pattern").isTextual() && !json.get("pattern").asText().isEmpty()
                ? normalize(json.get("pattern").asText()) : null;
        Parsed<List<String>> streams = streams(json.get("streams"), false);
        if (streams.error() != null) {
            return Parsed.refused(streams.error());
        }
        if (pattern == null && streams.value().isEmpty()) {
            return Parsed.refused(SubscriptionError.invalid("at least one of pattern or streams is required"));
        }
        if (pattern != null && pattern.length() > MAX_PATH) {
            return Parsed.refused(SubscriptionError.invalid("pattern is longer than " + MAX_PATH + " characters"));
        }
        JsonNode ttl = json.get("lease_ttl_ms");
        if (ttl != null && !(ttl.canConvertToInt() && ttl.isIntegralNumber() && ttl.asInt() >= MIN_LEASE_TTL_MS
                && ttl.asInt() <= MAX_LEASE_TTL_MS)) {
            return Parsed.refused(SubscriptionError.invalid("lease_ttl_ms must be an integer from 1000 to 600000"));
        }
        String webhookUrl = null;
        String wakeStream = null;
        if (type.equals(WEBHOOK)) {
            webhookUrl = json.path("webhook").path("url").asText("");
            if (webhookUrl.isEmpty()) {
                return Parsed.refused(SubscriptionError.invalid("webhook subscriptions require webhook.url"));
            }
            String rejection = WebhookUrls.rejection(webhookUrl, allowLoopbackHttp);
            if (rejection != null) {
                return Parsed.refused(SubscriptionError.of(400, SubscriptionError.URL_REJECTED, rejection));
            }
        } else {
            wakeStream = json.path("wake_stream").isTextual() ? normalize(json.get("wake_stream").asText()) : "";
            if (wakeStream.isEmpty() || !validPath(wakeStream)) {
                return Parsed.refused(SubscriptionError.invalid("pull-wake subscriptions require wake_stream, a stream path"));
            }
        }
        JsonNode description = json.get("description");
        return Parsed.ok(new SubscriptionSpec(type, pattern, streams.value(), webhookUrl, wakeStream,
                ttl == null ? DEFAULT_LEASE_TTL_MS : ttl.asInt(),
                description != null && description.isTextual() ? description.asText() : null));
    }

    /** The explicit paths of a body's {@code streams}: sorted, unique, each a stream path. */
    static Parsed<List<String>> streams(JsonNode streams, boolean required) {
        if (streams == null || streams.isNull() || streams.isArray() && streams.isEmpty()) {
            return required ? Parsed.refused(SubscriptionError.invalid("streams must be a non-empty string array"))
                    : Parsed.ok(List.of());
        }
        if (!streams.isArray() || streams.size() > MAX_STREAMS) {
            return Parsed.refused(SubscriptionError.invalid("streams must be an array of at most " + MAX_STREAMS
                    + " stream paths"));
        }
        TreeSet<String> paths = new TreeSet<>();
        for (JsonNode stream : streams) {
            String path = stream.isTextual() ? normalize(stream.asText()) : "";
            if (!validPath(path)) {
                return Parsed.refused(SubscriptionError.invalid("streams must contain only stream paths"));
            }
            paths.add(path);
        }
        return Parsed.ok(new ArrayList<>(paths));
    }

    /** The JSON object of a body, or null when it is not one (an empty body is an empty object). */
    static JsonNode object(byte[] body) {
        if (body.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode json = JSON.readTree(body);
            return json != null && json.isObject() ? json : null;
        } catch (IOException e) {
            return null;
        }
    }

    static String normalize(String path) {
        return path.replaceAll("^/+", "").replaceAll("/+$", "");
    }

    /** A path a subscription may link: not empty, not too long, not one of the reserved control paths. */
    static boolean validPath(String path) {
        return !path.isEmpty() && path.length() <= MAX_PATH && !path.equals("__ds") && !path.startsWith("__ds/");
    }

    String hash() {
        ObjectNode canonical = JSON.createObjectNode().put("type", type).put("pattern", pattern);
        streams.forEach(canonical.putArray("streams")::add);
        canonical.put("webhook", webhookUrl).put("wake_stream", wakeStream).put("lease_ttl_ms", leaseTtlMs)
                .put("description", description);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
