package dev.streamjournal.ds.subscription;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamjournal.common.Ids;
import dev.streamjournal.ds.DsConfig;
import dev.streamjournal.ds.DsReply;
import dev.streamjournal.ds.DsRoutes;
import dev.streamjournal.ds.subscription.SubscriptionService.Ack;
import dev.streamjournal.ds.subscription.SubscriptionService.Action;
import dev.streamjournal.ds.subscription.SubscriptionService.WakeRequest;
import dev.streamjournal.ds.subscription.SubscriptionSpec.Parsed;
import dev.streamjournal.security.Caller;
import dev.streamjournal.security.Callers;
import dev.streamjournal.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The protocol's reserved control paths under {@code /ds/v1/stream/__ds/}: the webhook signing keys
 * ({@code jwks.json}, public) and subscriptions. Managing a subscription takes the producer role, reading
 * it or claiming a pull-wake the reader role; callback, ack and release carry the wake's own token
 * instead of a service token. The stream routes ({@link DsRoutes}) run first and hand these paths on.
 */
@ApplicationScoped
public class SubscriptionRoutes {

    static final String CONTROL = DsRoutes.PREFIX + DsRoutes.RESERVED;
    static final String SUBSCRIPTIONS = CONTROL + "/subscriptions/";

    private final SubscriptionService service;
    private final SigningKeys keys;
    private final DsConfig.Subscriptions config;

    public SubscriptionRoutes(SubscriptionService service, SigningKeys keys, DsConfig config) {
        this.service = service;
        this.keys = keys;
        this.config = config.subscriptions();
    }

    void route(@Observes @Priority(Interceptor.Priority.APPLICATION + 600) Router router) {
        router.route(CONTROL + "*").handler(this::handle);
    }

    private void handle(RoutingContext context) {
        String path = context.request().path();
        HttpMethod method = context.request().method();
        dispatch(context, path, method).subscribe().with(reply -> DsRoutes.write(context, reply),
                failure -> DsRoutes.write(context, DsRoutes.failure(failure)));
    }

    private Uni<DsReply> dispatch(RoutingContext context, String path, HttpMethod method) {
        if (path.equals(CONTROL + "/jwks.json")) {
            return method != HttpMethod.GET ? notAllowed()
                    : keys.jwks().map(jwks -> DsReply.of(200).header("Content-Type", "application/jwk-set+json")
                            .header("Cache-Control", "public, max-age=300").body(jwks));
        }
        if (!path.startsWith(SUBSCRIPTIONS)) {
            return refuse(SubscriptionError.noRoute());
        }
        List<String> parts = Arrays.asList(path.substring(SUBSCRIPTIONS.length()).split("/", -1));
        String id = decode(parts.get(0));
        if (!Ids.isValid(id)) {
            return refuse(SubscriptionError.invalid("a subscription id is 1-128 characters of [A-Za-z0-9._:-]"));
        }
        List<String> rest = parts.subList(1, parts.size());
        byte[] body = context.body() == null || context.body().buffer() == null ? new byte[0]
                : context.body().buffer().getBytes();
        if (rest.isEmpty()) {
            return switch (method.name()) {
                case "PUT" -> as(context, Roles.PRODUCER, caller -> {
                    Parsed<SubscriptionSpec> spec = SubscriptionSpec.parse(body, config.allowLoopbackHttp());
                    return spec.error() != null ? refuse(spec.error()) : service.put(caller, id, spec.value(), baseUrl(context));
                });
                case "GET" -> as(context, Roles.READER, caller -> service.get(caller, id));
                case "DELETE" -> as(context, Roles.PRODUCER, caller -> service.delete(caller, id));
                default -> notAllowed();
            };
        }
        String action = rest.get(0);
        if (action.equals("streams") && rest.size() == 1) {
            return method != HttpMethod.POST ? notAllowed() : as(context, Roles.PRODUCER, caller -> {
                JsonNode json = SubscriptionSpec.object(body);
                Parsed<List<String>> streams = json == null
                        ? Parsed.refused(SubscriptionError.invalid("the body must be a JSON object"))
                        : SubscriptionSpec.streams(json.get("streams"), true);
                return streams.error() != null ? refuse(streams.error()) : service.addStreams(caller, id, streams.value());
            });
        }
        if (action.equals("streams")) {
            String stream = SubscriptionSpec.normalize(decode(String.join("/", rest.subList(1, rest.size()))));
            return method != HttpMethod.DELETE ? notAllowed()
                    : as(context, Roles.PRODUCER, caller -> service.removeStream(caller, id, stream));
        }
        if (rest.size() != 1) {
            return refuse(SubscriptionError.noRoute());
        }
        if (action.equals("claim")) {
            return method != HttpMethod.POST ? notAllowed() : as(context, Roles.READER, caller -> {
                JsonNode json = SubscriptionSpec.object(body);
                String worker = json == null ? "" : json.path("worker").asText("");
                return worker.isEmpty() || worker.length() > 256 || !json.get("worker").isTextual()
                        ? refuse(SubscriptionError.invalid("worker must be a non-empty string of at most 256 characters"))
                        : service.claim(caller, id, worker);
            });
        }
        Action wakeAction = switch (action) {
            case "callback" -> Action.CALLBACK;
            case "ack" -> Action.ACK;
            case "release" -> Action.RELEASE;
            default -> null;
        };
        if (wakeAction == null) {
            return refuse(SubscriptionError.noRoute());
        }
        if (method != HttpMethod.POST) {
            return notAllowed();
        }
        String authorization = context.request().getHeader("Authorization");
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return refuse(SubscriptionError.of(401, SubscriptionError.TOKEN_INVALID,
                    "Missing or malformed Authorization header"));
        }
        Parsed<WakeRequest> request = wakeRequest(body);
        return request.error() != null ? refuse(request.error())
                : service.settle(wakeAction, id, authorization.substring("Bearer ".length()).strip(), request.value());
    }

    /** A callback, ack or release body: {@code wake_id}, {@code generation}, optional {@code acks} and {@code done}. */
    static Parsed<WakeRequest> wakeRequest(byte[] body) {
        JsonNode json = SubscriptionSpec.object(body);
        if (json == null) {
            return Parsed.refused(SubscriptionError.invalid("the body must be a JSON object"));
        }
        JsonNode wakeId = json.get("wake_id");
        JsonNode generation = json.get("generation");
        JsonNode acks = json.get("acks");
        JsonNode done = json.get("done");
        if (wakeId != null && !wakeId.isTextual() || generation != null && !generation.canConvertToLong()
                || done != null && !done.isBoolean() || acks != null && !acks.isNull() && !acks.isArray()) {
            return Parsed.refused(SubscriptionError.invalid(
                    "wake_id is a string, generation a number, done a boolean and acks an array"));
        }
        List<Ack> parsed = new ArrayList<>();
        if (acks != null && acks.isArray()) {
            for (JsonNode ack : acks) {
                JsonNode stream = ack.has("stream") ? ack.get("stream") : ack.get("path");
                JsonNode offset = ack.get("offset");
                if (stream == null || !stream.isTextual() || offset == null || !offset.isTextual()) {
                    return Parsed.refused(SubscriptionError.invalid("each ack names a stream and an offset"));
                }
                parsed.add(new Ack(SubscriptionSpec.normalize(stream.asText()), offset.asText()));
            }
        }
        return Parsed.ok(new WakeRequest(wakeId == null ? null : wakeId.asText(),
                generation == null ? null : generation.asLong(), parsed, done != null && done.asBoolean()));
    }

    /** Runs a request as its caller, when the caller's token has the role. */
    private static Uni<DsReply> as(RoutingContext context, String role, Function<Caller, Uni<DsReply>> request) {
        Uni<SecurityIdentity> identity = context.get(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
        return (identity == null ? Uni.createFrom().<SecurityIdentity>nullItem() : identity).chain(who -> {
            Caller caller = Callers.of(who);
            if (caller == null) {
                return Uni.createFrom().item(DsReply.problem(401, "unauthorized", "Unauthorized",
                        "a bearer token is required").header("WWW-Authenticate", "Bearer"));
            }
            if (!who.hasRole(role)) {
                return Uni.createFrom().item(DsReply.problem(403, "forbidden", "Forbidden",
                        "the token's groups do not allow this request"));
            }
            return request.apply(caller);
        });
    }

    /** Where the service was reached ({@code scheme://host/ds}), for the URLs a webhook carries. */
    private static String baseUrl(RoutingContext context) {
        String uri = context.request().absoluteURI();
        int control = uri.indexOf("/v1/stream/" + DsRoutes.RESERVED);
        return uri.substring(0, control);
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static Uni<DsReply> refuse(SubscriptionError error) {
        return Uni.createFrom().item(error.reply());
    }

    private static Uni<DsReply> notAllowed() {
        return Uni.createFrom().item(DsReply.problem(405, "method-not-allowed", "Method not allowed",
                "the method is not one of this route's"));
    }
}
