package dev.streamjournal.ds.subscription;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.ds.DsOffset;
import dev.streamjournal.ds.DsRepository.Tail;
import io.vertx.mutiny.sqlclient.Row;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A subscription as stored: its configuration and its wake state. The decisions on that state (which
 * paths have pending work, whether it is idle) are pure functions here.
 */
record Subscription(String subKey, String tenant, String id, String type, String pattern, String webhookUrl,
        String wakeStream, int leaseTtlMs, String description, String configHash, String baseUrl, Instant createdAt,
        long generation, String wakeId, Map<String, Position> snapshot, String holder, int retryCount,
        Instant nextAttemptAt, Instant checkedAt) {

    /** The offset of a path linked before its first message: every message is pending. */
    static final String BEFORE_FIRST = "-1";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The longest an unclaimed pull-wake wake waits before it is announced again. */
    private static final double MAX_CLAIM_SECONDS = 3600;

    /** The columns {@link #of} reads, of {@code ds_subscriptions s}. */
    static final String COLUMNS = """
            s.sub_key, s.tenant, s.subscription_id, s.type, s.pattern, s.webhook_url, s.wake_stream, s.lease_ttl_ms,
            s.description, s.config_hash, s.base_url, s.created_at, s.generation, s.wake_id, s.snapshot::text as snapshot,
            s.holder, s.retry_count, s.next_attempt_at, s.checked_at""";

    /**
     * A linked path and its cursor: the last processed offset (inclusive) of the path's incarnation
     * {@code streamId} (null while none was seen: a cursor before the first message fits any).
     */
    record Link(String path, boolean explicit, boolean glob, String ackedOffset, String streamId) {
        String linkType() {
            return explicit ? "explicit" : "glob";
        }
    }

    /**
     * A linked path as a wake reports it: its cursor, its tail, whether messages lie between, and the
     * incarnation the tail is of (null when the path has no live stream).
     */
    record StreamInfo(String path, String linkType, String ackedOffset, String tailOffset, boolean hasPending,
            String streamId) {
    }

    /** Where a wake found a path: its tail offset and the incarnation it is of. */
    record Position(String offset, String streamId) {
    }

    /** The key of a tenant's subscription id: {@code dss~} and their hash. */
    static String key(String tenant, String id) {
        try {
            return "dss~" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest((tenant + "\n" + id).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Subscription of(Row row) {
        return new Subscription(row.getString("sub_key"), row.getString("tenant"), row.getString("subscription_id"),
                row.getString("type"), row.getString("pattern"), row.getString("webhook_url"),
                row.getString("wake_stream"), row.getInteger("lease_ttl_ms"), row.getString("description"),
                row.getString("config_hash"), row.getString("base_url"), instant(row.getOffsetDateTime("created_at")),
                row.getLong("generation"), row.getString("wake_id"), snapshot(row.getString("snapshot")),
                row.getString("holder"), row.getInteger("retry_count"),
                instant(row.getOffsetDateTime("next_attempt_at")), instant(row.getOffsetDateTime("checked_at")));
    }

    boolean webhook() {
        return SubscriptionSpec.WEBHOOK.equals(type);
    }

    /** No wake in flight and no worker holding it: a pending path may wake it. */
    boolean idle() {
        return wakeId == null && holder == null;
    }

    double leaseSeconds() {
        return leaseTtlMs / 1000.0;
    }

    /**
     * The deadline of a wake just issued, in seconds: a webhook's lease covers at least a whole delivery
     * attempt, its connect and its answer each within the delivery timeout (else the lease would end during
     * it and a new wake go out with no backoff); a pull-wake wake must be claimed within the claim timeout,
     * or it is announced again, the timeout doubling with each of the {@code unclaimed} wakes before it that
     * nobody claimed, up to an hour (or the claim timeout, if longer): a subscription without workers does
     * not fill its wake stream.
     */
    double issuedLeaseSeconds(Duration deliveryTimeout, Duration claimTimeout, int unclaimed) {
        if (webhook()) {
            return Math.max(leaseSeconds(), 2 * deliveryTimeout.toMillis() / 1000.0 + 1);
        }
        double claim = claimTimeout.toMillis() / 1000.0;
        return Math.min(claim * Math.pow(2, Math.min(unclaimed, 16)), Math.max(claim, MAX_CLAIM_SECONDS));
    }

    /** Whether a path may be linked: the subscription's own wake stream never is (its wakes would wake it). */
    boolean mayLink(String path) {
        return !path.equals(wakeStream);
    }

    boolean matches(String path) {
        return pattern != null && mayLink(path) && Glob.matches(pattern, path);
    }

    /**
     * The paths a pattern may link of those it matches: no wake stream of the tenant's subscriptions, or two
     * subscriptions whose patterns cover each other's wake streams would wake each other for ever.
     */
    static List<String> withoutWakeStreams(List<String> matched, Set<String> wakeStreams) {
        return matched.stream().filter(path -> !wakeStreams.contains(path)).toList();
    }

    /**
     * The links as a wake reports them, against the paths' tails (a path without a stream is at zero): a
     * path is pending once its tail is past its cursor, and a cursor before the first message is past an
     * empty stream's tail only when a message arrives.
     */
    static List<StreamInfo> infos(List<Link> links, Map<String, Tail> tails) {
        List<StreamInfo> infos = new ArrayList<>();
        for (Link link : links) {
            Tail tail = tails.get(link.path());
            String tailOffset = DsOffset.format(tail == null ? 0 : tail.seq());
            // a cursor of an earlier incarnation (the path was deleted or expired, then created again) is
            // before this one's first message
            boolean earlier = link.streamId() != null && tail != null && !link.streamId().equals(tail.streamId());
            String acked = earlier ? BEFORE_FIRST : link.ackedOffset();
            infos.add(new StreamInfo(link.path(), link.linkType(), acked, tailOffset,
                    tailOffset.compareTo(acked.equals(BEFORE_FIRST) ? DsOffset.ZERO : acked) > 0,
                    tail == null ? null : tail.streamId()));
        }
        return infos;
    }

    static boolean pending(List<StreamInfo> infos) {
        return infos.stream().anyMatch(StreamInfo::hasPending);
    }

    /** The path that woke it, for a pull-wake event: the first with pending work. */
    static String firstPending(List<StreamInfo> infos) {
        return infos.stream().filter(StreamInfo::hasPending).map(StreamInfo::path).findFirst().orElse("");
    }

    static Map<String, Position> tails(List<StreamInfo> infos) {
        Map<String, Position> tails = new LinkedHashMap<>();
        infos.forEach(info -> tails.put(info.path(), new Position(info.tailOffset(), info.streamId())));
        return tails;
    }

    static String json(Map<String, Position> snapshot) {
        try {
            return JSON.writeValueAsString(snapshot);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Position> snapshot(String json) {
        Map<String, Position> snapshot = new LinkedHashMap<>();
        if (json == null) {
            return snapshot;
        }
        try {
            JsonNode node = JSON.readTree(json);
            node.fields().forEachRemaining(entry -> {
                JsonNode position = entry.getValue();
                snapshot.put(entry.getKey(), position.isObject()
                        ? new Position(position.path("offset").asText(), position.path("streamId").textValue())
                        : new Position(position.asText(), null));
            });
            return snapshot;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
