package dev.streamjournal.ds;

import dev.streamjournal.common.ProblemMappers;
import dev.streamjournal.security.Caller;
import dev.streamjournal.security.Callers;
import dev.streamjournal.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The Durable Streams protocol at {@code /ds/v1/stream/{path}}: thin HTTP handling over
 * {@link DsService} (writes), {@link DsReads} and {@link DsSse} (reads). Every response carries the
 * browser security headers and CORS for any origin (credentials are bearer tokens, never cookies).
 */
@ApplicationScoped
public class DsRoutes {

    private static final Logger LOG = Logger.getLogger(DsRoutes.class);
    public static final String PREFIX = "/ds/v1/stream/";
    /** The protocol's reserved control paths ({@code __ds/...}): served by the subscription routes. */
    public static final String RESERVED = "__ds";

    private final DsService service;
    private final DsReads reads;
    private final DsSse sse;
    private final DsConfig config;

    public DsRoutes(DsService service, DsReads reads, DsSse sse, DsConfig config) {
        this.service = service;
        this.reads = reads;
        this.sse = sse;
        this.config = config;
    }

    void route(@Observes Router router) {
        // two routes: Vert.x takes a body handler only first on its route
        router.route("/ds/*").handler(this::admit);
        router.route("/ds/*").handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
                .handler(this::handle);
    }

    /**
     * A write to a stream is refused before its body is read when its token is missing or lacks the
     * producer role: an anonymous client cannot make a replica buffer a body it will refuse. (The control
     * paths check their own tokens; reads have no body.) Quarkus holds each request paused until the body
     * handler resumes it, so an identity that resolves later (authentication not proactive) loses no body.
     */
    private void admit(RoutingContext context) {
        HttpMethod method = context.request().method();
        String raw = context.request().path();
        boolean write = method == HttpMethod.PUT || method == HttpMethod.POST || method == HttpMethod.DELETE;
        if (!write || !raw.startsWith(PREFIX) || raw.startsWith(PREFIX + RESERVED + "/") || raw.equals(PREFIX + RESERVED)) {
            context.next();
            return;
        }
        Uni<SecurityIdentity> identity = context.get(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
        (identity == null ? Uni.createFrom().<SecurityIdentity>nullItem() : identity)
                .subscribe().with(who -> {
                    DsReply refusal = refusal(who, Roles.PRODUCER);
                    if (refusal == null) {
                        context.next();
                    } else {
                        refuseUnread(context, refusal);
                    }
                }, failure -> refuseUnread(context, failure(failure)));
    }

    /** Answers a request whose body is not read: an HTTP/1 connection closes after the answer. */
    private static void refuseUnread(RoutingContext context, DsReply reply) {
        securityHeaders(context);
        if (context.request().version() != HttpVersion.HTTP_2) {
            context.response().putHeader("Connection", "close");
        }
        write(context, reply);
    }

    /** 401 without a caller, 403 without {@code role}; null when the request may go on. */
    private static DsReply refusal(SecurityIdentity identity, String role) {
        if (Callers.of(identity) == null) {
            return DsReply.problem(401, "unauthorized", "Unauthorized", "a bearer token is required")
                    .header("WWW-Authenticate", "Bearer");
        }
        return identity.hasRole(role) ? null
                : DsReply.problem(403, "forbidden", "Forbidden", "the token's groups do not allow this request");
    }

    private void handle(RoutingContext context) {
        HttpServerResponse response = context.response();
        securityHeaders(context);
        String raw = context.request().path();
        if (context.request().method() == HttpMethod.OPTIONS) {
            response.putHeader("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS")
                    .putHeader("Access-Control-Allow-Headers", DsHeaders.ALLOWED)
                    .putHeader("Access-Control-Max-Age", "600")
                    .setStatusCode(204).end();
            return;
        }
        if (!raw.startsWith(PREFIX) || raw.length() == PREFIX.length()) {
            write(context, DsReply.notFound());
            return;
        }
        String path = raw.substring(PREFIX.length());
        if (path.equals(RESERVED) || path.startsWith(RESERVED + "/")) {
            context.next();
            return;
        }
        Uni<SecurityIdentity> identity = context.get(QuarkusHttpUser.DEFERRED_IDENTITY_KEY);
        (identity == null ? Uni.createFrom().<SecurityIdentity>nullItem() : identity)
                .chain(who -> dispatch(context, who, path))
                .subscribe().with(reply -> {
                    if (reply != null) {
                        write(context, reply);
                    }
                }, failure -> write(context, failure(failure)));
    }

    private Uni<DsReply> dispatch(RoutingContext context, SecurityIdentity identity, String path) {
        HttpMethod method = context.request().method();
        boolean writes = method == HttpMethod.PUT || method == HttpMethod.POST || method == HttpMethod.DELETE;
        boolean readsData = method == HttpMethod.GET || method == HttpMethod.HEAD;
        if (!writes && !readsData) {
            return Uni.createFrom().item(DsReply.problem(405, "method-not-allowed", "Method not allowed",
                    "the method is not one of the protocol's"));
        }
        DsReply refused = refusal(identity, writes ? Roles.PRODUCER : Roles.READER);
        if (refused != null) {
            return Uni.createFrom().item(refused);
        }
        Caller caller = Callers.of(identity);
        MultiMap headers = context.request().headers();
        byte[] body = context.body() == null || context.body().buffer() == null ? new byte[0]
                : context.body().buffer().getBytes();
        if (method == HttpMethod.PUT) {
            String uri = context.request().absoluteURI();
            String location = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
            return DsRequests.create(path, location, headers, body).map(reply -> Uni.createFrom().item(reply),
                    create -> service.create(caller, create));
        }
        if (method == HttpMethod.POST) {
            return DsRequests.append(path, headers, body).map(reply -> Uni.createFrom().item(reply),
                    append -> service.append(caller, append));
        }
        if (method == HttpMethod.DELETE) {
            return service.delete(caller, path);
        }
        return read(context, caller, path, method == HttpMethod.HEAD);
    }

    private Uni<DsReply> read(RoutingContext context, Caller caller, String path, boolean head) {
        String live = context.request().getParam("live");
        String offsetParam = context.request().getParam("offset");
        String cursor = context.request().getParam("cursor");
        if (!head) {
            DsReply invalid = DsRequests.checkRead(live, offsetParam, context.queryParam("offset").size());
            if (invalid != null) {
                return Uni.createFrom().item(invalid);
            }
        }
        Instant now = Instant.now();
        return service.find(caller, path).chain(stream -> {
            DsReply absent = DsStream.absent(stream, now);
            if (absent != null) {
                return Uni.createFrom().item(absent);
            }
            if (head) {
                return Uni.createFrom().item(metadata(stream));
            }
            long requested = DsOffset.parse(offsetParam);
            boolean tail = requested < 0;
            long offset = tail ? stream.lastSeq() : Math.min(requested, stream.lastSeq());
            Uni<Void> touched = service.touch(stream);
            if ("sse".equals(live)) {
                return touched.map(ignored -> {
                    startSse(context, stream, offset, cursor, caller.expiresAt());
                    return null;
                });
            }
            if ("long-poll".equals(live)) {
                return touched.chain(() -> reads.longPoll(caller, stream, offset, cursor,
                        left -> whenClosed(context.response(), left)));
            }
            return touched.chain(() -> reads.catchUp(stream, offset, tail, context.request().getHeader("If-None-Match"),
                    cursor));
        });
    }

    private static DsReply metadata(DsStream stream) {
        DsReply reply = DsReply.of(200)
                .header("Content-Type", stream.contentType())
                .header(DsHeaders.NEXT_OFFSET, stream.tail())
                .header("Cache-Control", "no-store");
        if (stream.ttlSeconds() != null && !stream.fixedExpiry()) {
            reply.header(DsHeaders.TTL, stream.ttlSeconds());
        }
        if (stream.fixedExpiry()) {
            reply.header(DsHeaders.EXPIRES_AT, stream.expiresAt().toString());
        }
        if (stream.closed()) {
            reply.header(DsHeaders.CLOSED, "true");
        }
        return reply;
    }

    private void startSse(RoutingContext context, DsStream stream, long offset, String cursor, Instant expiresAt) {
        HttpServerResponse response = context.response();
        response.setStatusCode(200).setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        if (DsSse.base64(stream)) {
            response.putHeader(DsHeaders.SSE_ENCODING, "base64");
        }
        sse.serve(response, stream, offset, cursor, expiresAt);
    }

    /** Runs {@code action} when the client goes away, at once if it is gone already. */
    static void whenClosed(HttpServerResponse response, Runnable action) {
        response.closeHandler(v -> action.run());
        if (response.closed()) {
            action.run();
        }
    }

    public static void securityHeaders(RoutingContext context) {
        MultiMap headers = context.response().headers();
        String origin = context.request().getHeader("Origin");
        headers.set("Access-Control-Allow-Origin", origin == null ? "*" : origin);
        if (origin != null) {
            headers.add("Vary", "Origin");
        }
        headers.set("Access-Control-Expose-Headers", DsHeaders.EXPOSED);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Cross-Origin-Resource-Policy", "cross-origin");
    }

    public static void write(RoutingContext context, DsReply reply) {
        HttpServerResponse response = context.response();
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(reply.status);
        for (Map.Entry<String, String> header : reply.headers.entrySet()) {
            response.putHeader(header.getKey(), header.getValue());
        }
        if (context.request().method() == HttpMethod.HEAD || reply.status == 204 || reply.status == 304) {
            response.end();
        } else {
            response.end(Buffer.buffer(reply.body));
        }
    }

    public static DsReply failure(Throwable failure) {
        if (ProblemMappers.isInfrastructure(failure)) {
            LOG.warnf("database unavailable: %s", failure.toString());
            return DsReply.problem(503, "unavailable", "Service unavailable",
                    "the journal database is unavailable; retry later").header("Retry-After", "1");
        }
        LOG.error("unexpected failure of a DS request", failure);
        return DsReply.problem(500, "internal", "Internal error", "an unexpected error occurred");
    }
}
