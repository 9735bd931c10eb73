package dev.streamjournal.ds.subscription;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.ds.DsConfig;
import dev.streamjournal.ds.DsOffset;
import dev.streamjournal.ds.DsPathChange;
import dev.streamjournal.ds.DsReply;
import dev.streamjournal.ds.DsRepository;
import dev.streamjournal.ds.DsRepository.Tail;
import dev.streamjournal.ds.DsService;
import dev.streamjournal.ds.subscription.Subscription.Link;
import dev.streamjournal.ds.subscription.Subscription.StreamInfo;
import dev.streamjournal.security.Caller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Durable Streams subscriptions over PostgreSQL. Every decision takes the subscription's row lock, so
 * that replicas fence each other through the database: one wake per generation, one holder per wake,
 * acks only for the current wake. Wakes are issued in a transaction and dispatched after its commit
 * (a signed webhook, or a wake event appended to the wake stream); a replica that dies meanwhile leaves a
 * lease that any replica's sweep expires, and the next wake follows.
 */
@ApplicationScoped
public class SubscriptionService {

    private static final Logger LOG = Logger.getLogger(SubscriptionService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final OffsetDateTime EPOCH = OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    /** How far before its last reconciliation a subscription looks for new paths (commits lag their start). */
    private static final long DISCOVERY_SLACK_SECONDS = 60;
    private static final int SWEEP_BATCH = 100;

    static final String PRINCIPAL = "system:ds-subscriptions";

    /** A wake issued in a transaction, to dispatch after its commit. */
    record Wake(Subscription subscription, long generation, String wakeId, List<StreamInfo> streams, String triggeredBy) {
    }

    /** What a request answers, and the wake it issued (null: none). */
    private record Outcome(DsReply reply, Wake wake) {
        static Uni<Outcome> of(DsReply reply) {
            return Uni.createFrom().item(new Outcome(reply, null));
        }

        static Uni<Outcome> of(SubscriptionError error) {
            return of(error.reply());
        }
    }

    /** A callback, ack or release body: the wake it is for, its acks and whether the work is done. */
    record WakeRequest(String wakeId, Long generation, List<Ack> acks, boolean done) {
    }

    record Ack(String path, String offset) {
    }

    enum Action { CALLBACK, ACK, RELEASE }

    private final Pool pool;
    private final SubscriptionRepository repository;
    private final DsRepository streams;
    private final DsService ds;
    private final SigningKeys keys;
    private final WebhookSender sender;
    private final DsConfig.Subscriptions config;

    public SubscriptionService(Pool pool, SubscriptionRepository repository, DsRepository streams, DsService ds,
            SigningKeys keys, WebhookSender sender, DsConfig config) {
        this.pool = pool;
        this.repository = repository;
        this.streams = streams;
        this.ds = ds;
        this.keys = keys;
        this.sender = sender;
        this.config = config.subscriptions();
    }

    // ---------------------------------------------------------------- configuration

    /** Creates a subscription (201, its existing paths linked at their tails) or re-confirms it (200). */
    Uni<DsReply> put(Caller caller, String id, SubscriptionSpec spec, String baseUrl) {
        String subKey = Subscription.key(caller.tenant(), id);
        String base = config.publicUrl().map(url -> url.replaceAll("/+$", "")).orElse(baseUrl);
        return keys.key().chain(key -> pool.withTransaction(connection -> repository.lock(connection, subKey)
                .chain(existing -> existing != null ? confirm(connection, existing, spec, key)
                        : repository.insert(connection, subKey, caller.tenant(), id, spec, base)
                                .chain(inserted -> repository.lock(connection, subKey).chain(subscription -> inserted
                                        ? backfill(connection, subscription, spec)
                                                .chain(() -> serialize(connection, subscription, 201, key))
                                        : confirm(connection, subscription, spec, key))))))
                .invoke(reply -> {
                    if (reply.status < 300 && spec.wakeStream() != null) {
                        unlinkWakeStream(caller.tenant(), spec.wakeStream());
                    }
                });
    }

    /**
     * After a pull-wake subscription's commit: the patterns that linked its wake stream as a data path let
     * go of it (an explicit link stays), so that its wake events wake nobody else.
     */
    private void unlinkWakeStream(String tenant, String wakeStream) {
        repository.unlinkByPattern(pool, tenant, wakeStream).subscribe().with(ignored -> { },
                failure -> LOG.warnf("the patterns linking the wake stream %s were not unlinked: %s", wakeStream,
                        failure.toString()));
    }

    private Uni<DsReply> confirm(SqlConnection connection, Subscription existing, SubscriptionSpec spec,
            SigningKeys.Key key) {
        if (!existing.configHash().equals(spec.hash())) {
            return Uni.createFrom().item(SubscriptionError.of(409, SubscriptionError.ALREADY_EXISTS,
                    "Subscription already exists with different configuration").reply());
        }
        return serialize(connection, existing, 200, key);
    }

    /** Links the explicit paths and the pattern's existing paths at their tails: history is not replayed. */
    private Uni<Void> backfill(SqlConnection connection, Subscription subscription, SubscriptionSpec spec) {
        List<String> explicit = spec.streams().stream().filter(subscription::mayLink).toList();
        Uni<Void> linked = linkAtTails(connection, subscription, explicit);
        if (spec.pattern() == null) {
            return linked;
        }
        return linked.chain(() -> streams.paths(connection, subscription.tenant(), EPOCH))
                .chain(tails -> matching(connection, subscription, tails.keySet())
                        .chain(matching -> linkAt(connection, subscription, false, matching, tails)));
    }

    private Uni<Void> linkAtTails(SqlConnection connection, Subscription subscription, List<String> paths) {
        return streams.tails(connection, subscription.tenant(), paths)
                .chain(tails -> linkAt(connection, subscription, true, paths, tails));
    }

    /**
     * The paths the pattern links, in order: those it matches that are no wake stream of the tenant's
     * subscriptions (the wake streams are read only when there are such paths).
     */
    private Uni<List<String>> matching(SqlConnection connection, Subscription subscription, Collection<String> paths) {
        List<String> matched = paths.stream().filter(subscription::matches).sorted().toList();
        return matched.isEmpty() ? Uni.createFrom().item(matched)
                : repository.wakeStreams(connection, subscription.tenant())
                        .map(wakeStreams -> Subscription.withoutWakeStreams(matched, wakeStreams));
    }

    /** Links paths at their tails, on their incarnations; a path without a stream at zero, on none yet. */
    private Uni<Void> linkAt(SqlConnection connection, Subscription subscription, boolean explicit, List<String> paths,
            Map<String, Tail> tails) {
        List<String> offsets = new ArrayList<>();
        List<String> incarnations = new ArrayList<>();
        for (String path : paths) {
            Tail tail = tails.get(path);
            offsets.add(DsOffset.format(tail == null ? 0 : tail.seq()));
            incarnations.add(tail == null ? null : tail.streamId());
        }
        return repository.link(connection, subscription, explicit, paths, offsets, incarnations);
    }

    /** Links paths before their first message, on whichever incarnation comes. */
    private Uni<Void> linkBeforeFirst(SqlClient client, Subscription subscription, List<String> paths) {
        return repository.link(client, subscription, false, paths,
                paths.stream().map(path -> Subscription.BEFORE_FIRST).toList(), Collections.nCopies(paths.size(), null));
    }

    Uni<DsReply> get(Caller caller, String id) {
        String subKey = Subscription.key(caller.tenant(), id);
        return repository.find(pool, subKey).chain(subscription -> subscription == null
                ? Uni.createFrom().item(SubscriptionError.notFound().reply())
                : keys.key().chain(key -> serialize(pool, subscription, 200, key)));
    }

    /** Deletes a subscription and its cursors; callbacks of its wakes then find nothing (404). */
    Uni<DsReply> delete(Caller caller, String id) {
        String subKey = Subscription.key(caller.tenant(), id);
        return pool.withTransaction(connection -> repository.lock(connection, subKey)
                .chain(subscription -> subscription == null ? Uni.createFrom().voidItem()
                        : repository.delete(connection, subKey)))
                .map(ignored -> DsReply.of(204));
    }

    Uni<DsReply> addStreams(Caller caller, String id, List<String> paths) {
        String subKey = Subscription.key(caller.tenant(), id);
        return pool.withTransaction(connection -> repository.lock(connection, subKey).chain(subscription ->
                subscription == null ? Uni.createFrom().item(SubscriptionError.notFound().reply())
                        : linkAtTails(connection, subscription, paths.stream().filter(subscription::mayLink).toList())
                                .map(ignored -> DsReply.of(204))));
    }

    /** Removes an explicit link; a glob link of the same path stays. */
    Uni<DsReply> removeStream(Caller caller, String id, String path) {
        String subKey = Subscription.key(caller.tenant(), id);
        return pool.withTransaction(connection -> repository.lock(connection, subKey).chain(subscription ->
                subscription == null ? Uni.createFrom().item(SubscriptionError.notFound().reply())
                        : repository.unlinkExplicit(connection, subKey, path).map(ignored -> DsReply.of(204))));
    }

    private Uni<DsReply> serialize(SqlClient client, Subscription subscription, int status,
            SigningKeys.Key key) {
        return repository.links(client, subscription.subKey()).map(links -> {
            ObjectNode body = JSON.createObjectNode()
                    .put("id", subscription.id())
                    .put("subscription_id", subscription.id())
                    .put("type", subscription.type())
                    .put("pattern", subscription.pattern());
            ArrayNode linked = body.putArray("streams");
            for (Link link : links) {
                linked.addObject().put("path", link.path()).put("link_type", link.linkType())
                        .put("acked_offset", link.ackedOffset());
            }
            if (subscription.webhook()) {
                body.putObject("webhook").put("url", subscription.webhookUrl()).putObject("signing")
                        .put("alg", "ed25519").put("kid", key.kid())
                        .put("jwks_url", subscription.baseUrl() + "/v1/stream/__ds/jwks.json");
            } else {
                body.putNull("webhook");
            }
            body.put("wake_stream", subscription.wakeStream())
                    .put("lease_ttl_ms", subscription.leaseTtlMs())
                    .put("created_at", subscription.createdAt().toString())
                    .put("status", subscription.nextAttemptAt() != null ? "failed" : "active")
                    .put("description", subscription.description());
            return json(status, body);
        });
    }

    // ---------------------------------------------------------------- wakes: claim, callback, ack, release

    /** A pull-wake worker claims the current wake (issuing one when work is pending and none is out). */
    Uni<DsReply> claim(Caller caller, String id, String worker) {
        String subKey = Subscription.key(caller.tenant(), id);
        return keys.key().chain(key -> pool.withTransaction(connection -> repository.lock(connection, subKey)
                        .chain(subscription -> {
                            if (subscription == null) {
                                return Outcome.of(SubscriptionError.notFound());
                            }
                            if (subscription.webhook()) {
                                return Outcome.of(SubscriptionError.invalid("Subscription is not pull-wake"));
                            }
                            if (subscription.holder() != null) {
                                return Outcome.of(new SubscriptionError(409, SubscriptionError.ALREADY_CLAIMED,
                                        "Another worker holds the subscription",
                                        Map.of("current_holder", subscription.holder(),
                                                "generation", subscription.generation())));
                            }
                            return infos(connection, subscription).chain(infos -> {
                                if (!Subscription.pending(infos)) {
                                    return Outcome.of(SubscriptionError.of(409, SubscriptionError.NO_PENDING_WORK,
                                            "Subscription has no pending work"));
                                }
                                Uni<Wake> issued = subscription.wakeId() == null ? issue(connection, subscription, infos, 0)
                                        : Uni.createFrom().nullItem();
                                return issued.chain(wake -> {
                                    long generation = wake == null ? subscription.generation() : wake.generation();
                                    String wakeId = wake == null ? subscription.wakeId() : wake.wakeId();
                                    return repository.claim(connection, subKey, worker, subscription.leaseSeconds())
                                            .map(ignored -> {
                                                ObjectNode body = JSON.createObjectNode().put("wake_id", wakeId)
                                                        .put("generation", generation)
                                                        .put("token", key.tokens().issue(subKey, subscription.tenant(),
                                                                generation, Instant.now(), config.tokenTtl()));
                                                body.set("streams", streamsJson(infos));
                                                body.put("lease_ttl_ms", subscription.leaseTtlMs());
                                                return new Outcome(json(200, body), wake);
                                            });
                                });
                            });
                        }))
                .invoke(outcome -> dispatch(outcome.wake()))
                .map(Outcome::reply));
    }

    /**
     * A callback (webhook), ack (pull-wake; without {@code done} a heartbeat) or release, with the wake's
     * token: fenced unless token, generation and wake id are the current wake's.
     */
    Uni<DsReply> settle(Action action, String id, String token, WakeRequest request) {
        Instant now = Instant.now();
        return keys.key().chain(key -> {
            WakeTokens.Verified verified = key.tokens().verify(token, now);
            if (verified.error() != null) {
                return Uni.createFrom().item(verified.error().reply());
            }
            String subKey = Subscription.key(verified.claims().tenant(), id);
            if (!subKey.equals(verified.claims().subKey())) {
                return Uni.createFrom().item(SubscriptionError.of(401, SubscriptionError.TOKEN_INVALID,
                        "Token invalid").reply());
            }
            return pool.withTransaction(connection -> repository.lock(connection, subKey).chain(subscription -> {
                        if (subscription == null) {
                            return Outcome.of(SubscriptionError.notFound());
                        }
                        if (subscription.webhook() != (action == Action.CALLBACK)) {
                            return Outcome.of(SubscriptionError.invalid(action == Action.CALLBACK
                                    ? "Subscription is not a webhook subscription" : "Subscription is not pull-wake"));
                        }
                        if (verified.claims().generation() != subscription.generation()
                                || request.generation() == null || request.generation() != subscription.generation()
                                || request.wakeId() == null || !request.wakeId().equals(subscription.wakeId())) {
                            return Outcome.of(SubscriptionError.fenced());
                        }
                        if (action == Action.RELEASE) {
                            return repository.clear(connection, subKey).chain(() -> nextWake(connection, subscription))
                                    .map(wake -> new Outcome(DsReply.of(204), wake));
                        }
                        return applyAcks(connection, subscription, request.acks()).chain(refused -> {
                            if (refused != null) {
                                return Outcome.of(refused);
                            }
                            if (!request.done()) {
                                return repository.extend(connection, subKey, subscription.leaseSeconds())
                                        .map(ignored -> new Outcome(done(false), null));
                            }
                            return repository.clear(connection, subKey).chain(() -> nextWake(connection, subscription))
                                    .map(wake -> new Outcome(done(wake != null), wake));
                        });
                    }))
                    .invoke(outcome -> dispatch(outcome.wake()))
                    .map(Outcome::reply);
        });
    }

    private static DsReply done(boolean nextWake) {
        return json(200, JSON.createObjectNode().put("ok", true).put("next_wake", nextWake));
    }

    /** Moves the cursors, all or none: each ack names a linked path and an offset from its cursor to its tail. */
    private Uni<SubscriptionError> applyAcks(SqlConnection connection, Subscription subscription, List<Ack> acks) {
        if (acks.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        return infos(connection, subscription).chain(infos -> {
            Map<String, StreamInfo> byPath = infos.stream().collect(Collectors.toMap(StreamInfo::path, Function.identity()));
            for (Ack ack : acks) {
                StreamInfo info = byPath.get(ack.path());
                String problem = info == null ? "Ack references an unknown subscription stream"
                        : DsOffset.parse(ack.offset()) == null || ack.offset().equals("-1") || ack.offset().equals("now")
                                ? "Ack offset must be an offset of the stream"
                        : ack.offset().compareTo(info.ackedOffset()) < 0 ? "Ack offset regresses the committed cursor"
                        : ack.offset().compareTo(info.tailOffset()) > 0 ? "Ack offset is beyond stream tail" : null;
                if (problem != null) {
                    return Uni.createFrom().item(SubscriptionError.of(409, SubscriptionError.INVALID_OFFSET, problem));
                }
            }
            return Multi.createFrom().iterable(acks)
                    .onItem().transformToUniAndConcatenate(ack -> repository.ack(connection, subscription.subKey(),
                            ack.path(), ack.offset(), incarnationAcked(subscription, byPath.get(ack.path()))))
                    .collect().last().replaceWith((SubscriptionError) null);
        });
    }

    // ---------------------------------------------------------------- wakes: issuing and dispatch

    /** A change on this replica: a removed path leaves its subscriptions; new messages may wake them. */
    void onChange(@Observes DsPathChange change) {
        changed(change).subscribe().with(ignored -> { }, failure -> LOG.warnf(
                "subscriptions of %s not woken: %s (the sweep retries)", change.path(), failure.toString()));
    }

    Uni<Void> changed(DsPathChange change) {
        String path = change.path();
        return change.removed() ? repository.unlinkPath(pool, change.tenant(), path)
                : repository.concerned(pool, change.tenant(), path).chain(rows -> {
                    List<Row> concerned = new ArrayList<>();
                    rows.forEach(concerned::add);
                    // a pattern never links a wake stream; asked only when a pattern would link the path
                    boolean newByPattern = concerned.stream().anyMatch(row -> !Boolean.TRUE.equals(row.getBoolean("linked_by_glob"))
                            && Subscription.of(row).matches(path));
                    return (newByPattern ? repository.isWakeStream(pool, change.tenant(), path) : Uni.createFrom().item(false))
                            .chain(wakeStream -> wakeAll(concerned, path, wakeStream));
                });
    }

    /** Links {@code path} to the patterns that match it (unless it is a wake stream), then wakes its subscriptions. */
    private Uni<Void> wakeAll(List<Row> concerned, String path, boolean wakeStream) {
        List<Uni<Void>> wakes = new ArrayList<>();
        for (Row row : concerned) {
            Subscription subscription = Subscription.of(row);
            boolean linked = row.getBoolean("linked");
            boolean matched = !wakeStream && subscription.matches(path);
            if (!subscription.mayLink(path) || !linked && !matched) {
                continue;
            }
            Uni<Void> link = matched && !Boolean.TRUE.equals(row.getBoolean("linked_by_glob"))
                    ? linkBeforeFirst(pool, subscription, List.of(path))
                    : Uni.createFrom().voidItem();
            wakes.add(link.chain(() -> wake(subscription.subKey())));
        }
        return wakes.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(wakes).andCollectFailures().replaceWithVoid();
    }

    /** Wakes an idle subscription with pending work. */
    Uni<Void> wake(String subKey) {
        return pool.withTransaction(connection -> repository.lock(connection, subKey)
                        .chain(subscription -> subscription == null || !subscription.idle() ? Uni.createFrom().<Wake>nullItem()
                                : nextWake(connection, subscription)))
                .invoke(this::dispatch).replaceWithVoid();
    }

    private Uni<List<StreamInfo>> infos(SqlClient client, Subscription subscription) {
        return repository.links(client, subscription.subKey()).chain(links -> streams.tails(client,
                        subscription.tenant(), links.stream().map(Link::path).toList())
                .map(tails -> Subscription.infos(links, tails)));
    }

    /** The next wake when work is pending (the caller ended any wake in flight), else null. */
    private Uni<Wake> nextWake(SqlConnection connection, Subscription subscription) {
        return nextWake(connection, subscription, 0);
    }

    /** The next wake, after {@code unclaimed} pull-wake wakes in a row that nobody claimed. */
    private Uni<Wake> nextWake(SqlConnection connection, Subscription subscription, int unclaimed) {
        return infos(connection, subscription).chain(infos -> Subscription.pending(infos)
                ? issue(connection, subscription, infos, unclaimed) : Uni.createFrom().nullItem());
    }

    private Uni<Wake> issue(SqlConnection connection, Subscription subscription, List<StreamInfo> infos, int unclaimed) {
        long generation = subscription.generation() + 1;
        byte[] id = new byte[12];
        RANDOM.nextBytes(id);
        String wakeId = "w_" + HexFormat.of().formatHex(id);
        return repository.wake(connection, subscription.subKey(), generation, wakeId,
                        Subscription.json(Subscription.tails(infos)), issuedLease(subscription, unclaimed), unclaimed)
                .map(ignored -> new Wake(subscription, generation, wakeId, infos, Subscription.firstPending(infos)));
    }

    private double issuedLease(Subscription subscription, int unclaimed) {
        return subscription.issuedLeaseSeconds(config.deliveryTimeout(), config.claimTimeout(), unclaimed);
    }

    /** After the commit: the webhook, or the wake event on the wake stream. */
    private void dispatch(Wake wake) {
        if (wake == null) {
            return;
        }
        Uni<Void> sent = wake.subscription().webhook() ? deliver(wake) : announce(wake);
        sent.subscribe().with(ignored -> { }, failure -> LOG.warnf("wake %s of subscription %s not dispatched: %s",
                wake.wakeId(), wake.subscription().id(), failure.toString()));
    }

    private Uni<Void> announce(Wake wake) {
        Subscription subscription = wake.subscription();
        ObjectNode event = JSON.createObjectNode().put("type", "wake").put("subscription_id", subscription.id())
                .put("stream", wake.triggeredBy()).put("generation", wake.generation())
                .put("ts", Instant.now().toEpochMilli());
        return ds.appendJson(subscription.tenant(), subscription.wakeStream(), PRINCIPAL,
                        event.toString().getBytes(StandardCharsets.UTF_8))
                .invoke(appended -> {
                    if (!appended) {
                        LOG.warnf("the wake stream %s of subscription %s does not take wake events",
                                subscription.wakeStream(), subscription.id());
                    }
                })
                .replaceWithVoid();
    }

    private Uni<Void> deliver(Wake wake) {
        Subscription subscription = wake.subscription();
        return keys.key().chain(key -> {
            Instant now = Instant.now();
            ObjectNode body = JSON.createObjectNode()
                    .put("subscription_id", subscription.id())
                    .put("wake_id", wake.wakeId())
                    .put("generation", wake.generation());
            body.set("streams", streamsJson(wake.streams()));
            body.put("callback_url", subscription.baseUrl() + "/v1/stream/__ds/subscriptions/"
                            + URLEncoder.encode(subscription.id(), StandardCharsets.UTF_8) + "/callback")
                    .put("callback_token", key.tokens().issue(subscription.subKey(), subscription.tenant(),
                            wake.generation(), now, config.tokenTtl()));
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            return sender.post(subscription.webhookUrl(), bytes, key.sign(bytes, now))
                    .onFailure().recoverWithItem(failure -> {
                        LOG.infof("webhook of subscription %s failed: %s", subscription.id(), failure.toString());
                        return null;
                    })
                    .chain(answer -> answer != null && answer.ok()
                            ? (doneIn(answer.body()) ? autoAck(subscription.subKey(), wake.wakeId())
                                    : Uni.createFrom().voidItem())
                            : failed(subscription.subKey(), wake.wakeId()));
        });
    }

    private static boolean doneIn(byte[] answer) {
        JsonNode json = SubscriptionSpec.object(answer);
        return json != null && json.path("done").asBoolean(false) && json.get("done").isBoolean();
    }

    /**
     * The incarnation an ack's offset is of: the one the wake showed the worker (its snapshot), so that an
     * offset of a path deleted and created again since counts against the old incarnation and the new one's
     * messages stay pending; the live one where the wake did not show the path.
     */
    private static String incarnationAcked(Subscription subscription, StreamInfo info) {
        Subscription.Position shown = subscription.snapshot().get(info.path());
        return shown != null && shown.streamId() != null ? shown.streamId() : info.streamId();
    }

    /** A webhook answered {@code done}: the snapshot's tails are acked, and the next wake follows if due. */
    private Uni<Void> autoAck(String subKey, String wakeId) {
        return pool.withTransaction(connection -> repository.lock(connection, subKey).chain(subscription -> {
                    if (subscription == null || !wakeId.equals(subscription.wakeId())) {
                        return Uni.createFrom().<Wake>nullItem();
                    }
                    return repository.links(connection, subKey).chain(links -> {
                        List<Uni<Void>> acks = new ArrayList<>();
                        for (Link link : links) {
                            Subscription.Position seen = subscription.snapshot().get(link.path());
                            // past the cursor, or on another incarnation than the cursor's
                            if (seen != null && (seen.streamId() != null && !seen.streamId().equals(link.streamId())
                                    || seen.offset().compareTo(link.ackedOffset()) > 0)) {
                                acks.add(repository.ack(connection, subKey, link.path(), seen.offset(), seen.streamId()));
                            }
                        }
                        Uni<Void> acked = Multi.createFrom().iterable(acks).onItem().transformToUniAndConcatenate(ack -> ack)
                                .collect().last().replaceWithVoid();
                        return acked.chain(() -> repository.clear(connection, subKey))
                                .chain(() -> nextWake(connection, subscription));
                    });
                }))
                .invoke(this::dispatch).replaceWithVoid();
    }

    /** A failed delivery of the current wake: retried with exponential backoff (1 s to 60 s, 20 % jitter). */
    private Uni<Void> failed(String subKey, String wakeId) {
        return pool.withTransaction(connection -> repository.lock(connection, subKey).chain(subscription -> {
            if (subscription == null || !wakeId.equals(subscription.wakeId())) {
                return Uni.createFrom().voidItem();
            }
            int attempt = subscription.retryCount() + 1;
            return repository.retry(connection, subKey, attempt,
                    backoffSeconds(attempt, ThreadLocalRandom.current().nextDouble()), issuedLease(subscription, 0));
        }));
    }

    /** The delay before retry {@code attempt} (1-based): 1 s doubling to 60 s, then 20 % jitter either way. */
    static double backoffSeconds(int attempt, double random) {
        double base = Math.min(Math.pow(2, Math.min(attempt - 1, 16)), 60);
        return Math.max(0, base + base * 0.2 * (random * 2 - 1));
    }

    // ---------------------------------------------------------------- the sweep

    /**
     * One pass of this replica's sweep: expires leases (and wakes again what is pending), retries due
     * deliveries, and reconciles subscriptions not looked at for {@code reconcile-interval} (new paths of a
     * pattern that a replica's crash kept from being linked, pending work that was never woken). Rows
     * another replica is handling are skipped. Returns how many subscriptions it acted on.
     */
    public Uni<Integer> sweep() {
        double reconcile = config.reconcileInterval().toMillis() / 1000.0;
        return repository.expired(pool, SWEEP_BATCH).chain(expired -> each(expired, this::expire))
                .chain(expiredCount -> repository.due(pool, SWEEP_BATCH).chain(due -> each(due, this::retryDue))
                        .chain(dueCount -> repository.unchecked(pool, reconcile, SWEEP_BATCH)
                                .chain(unchecked -> each(unchecked, this::reconcile))
                                .map(checked -> expiredCount + dueCount + checked)));
    }

    private static Uni<Integer> each(List<String> keys, Function<String, Uni<Boolean>> step) {
        if (keys.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return Multi.createFrom().iterable(keys).onItem().transformToUniAndConcatenate(step::apply)
                .filter(Boolean::booleanValue).collect().with(Collectors.counting()).map(Long::intValue);
    }

    private Uni<Boolean> expire(String subKey) {
        boolean[] acted = {false};
        return pool.withTransaction(connection -> repository.lockDue(connection, subKey).chain(row -> {
                    if (row == null || !Boolean.TRUE.equals(row.getBoolean("lease_expired"))) {
                        return Uni.createFrom().<Wake>nullItem();
                    }
                    acted[0] = true;
                    Subscription subscription = Subscription.of(row);
                    // a pull-wake wake nobody claimed: the next one waits longer for its claim
                    int unclaimed = !subscription.webhook() && subscription.holder() == null
                            ? subscription.retryCount() + 1 : 0;
                    return repository.clear(connection, subKey)
                            .chain(() -> nextWake(connection, subscription, unclaimed));
                }))
                .invoke(this::dispatch).map(ignored -> acted[0]);
    }

    private Uni<Boolean> retryDue(String subKey) {
        return pool.withTransaction(connection -> repository.lockDue(connection, subKey).chain(row -> {
                    if (row == null || !Boolean.TRUE.equals(row.getBoolean("retry_due"))) {
                        return Uni.createFrom().<Wake>nullItem();
                    }
                    Subscription subscription = Subscription.of(row);
                    return repository.redeliver(connection, subKey, issuedLease(subscription, 0))
                            .chain(() -> infos(connection, subscription))
                            .map(infos -> new Wake(subscription, subscription.generation(), subscription.wakeId(), infos,
                                    Subscription.firstPending(infos)));
                }))
                .invoke(this::dispatch).map(wake -> wake != null);
    }

    private Uni<Boolean> reconcile(String subKey) {
        return pool.withTransaction(connection -> repository.lockDue(connection, subKey).chain(row -> {
                    if (row == null) {
                        return Uni.createFrom().<Wake>nullItem();
                    }
                    Subscription subscription = Subscription.of(row);
                    Uni<Void> discovered = subscription.pattern() == null ? Uni.createFrom().voidItem()
                            : streams.paths(connection, subscription.tenant(), OffsetDateTime.ofInstant(
                                            subscription.checkedAt().minusSeconds(DISCOVERY_SLACK_SECONDS), ZoneOffset.UTC))
                                    .chain(tails -> matching(connection, subscription, tails.keySet()))
                                    .chain(matching -> linkBeforeFirst(connection, subscription, matching))
                                    .chain(() -> unlinkWakeStreams(connection, subscription));
                    return repository.checked(connection, subKey).chain(() -> discovered)
                            .chain(() -> subscription.idle() ? nextWake(connection, subscription)
                                    : Uni.createFrom().<Wake>nullItem());
                }))
                .invoke(this::dispatch).map(wake -> wake != null);
    }

    /**
     * The pattern lets go of the paths it linked that are wake streams: those it linked before they became
     * one, where the unlink after that subscription's commit was lost (its replica stopped).
     */
    private Uni<Void> unlinkWakeStreams(SqlConnection connection, Subscription subscription) {
        return repository.links(connection, subscription.subKey()).chain(links -> {
            List<String> byPattern = links.stream().filter(link -> link.glob() && !link.explicit()).map(Link::path).toList();
            return byPattern.isEmpty() ? Uni.createFrom().voidItem()
                    : repository.wakeStreams(connection, subscription.tenant()).chain(wakeStreams -> {
                        List<String> unlinked = byPattern.stream().filter(wakeStreams::contains).toList();
                        return unlinked.isEmpty() ? Uni.createFrom().voidItem()
                                : repository.unlinkGlob(connection, subscription.subKey(), unlinked);
                    });
        });
    }

    // ---------------------------------------------------------------- JSON

    private static ArrayNode streamsJson(List<StreamInfo> infos) {
        ArrayNode array = JSON.createArrayNode();
        for (StreamInfo info : infos) {
            array.addObject().put("path", info.path()).put("link_type", info.linkType())
                    .put("acked_offset", info.ackedOffset()).put("tail_offset", info.tailOffset())
                    .put("has_pending", info.hasPending());
        }
        return array;
    }

    private static DsReply json(int status, ObjectNode body) {
        return DsReply.of(status).header("Content-Type", "application/json")
                .body(body.toString().getBytes(StandardCharsets.UTF_8));
    }
}
