package dev.streamjournal.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.streamjournal.common.Ids;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.security.Caller;
import dev.streamjournal.security.Callers;
import dev.streamjournal.security.Roles;
import dev.streamjournal.session.SessionQueries;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code /v1/sessions/{sessionId}/live}: the session channel over WebSocket, with the frames of the SSE
 * channel as JSON messages {@code {"event", "id", "data"}}. Browsers cannot set headers on a WebSocket,
 * so the cursor comes as the query parameter {@code lastEventId=<streamId>:<seq>}. An unknown session
 * gets one {@code error} message with the problem document and a close with code 4404 (4400 for bad input).
 * The channel ends only when the replica drains (1012) or the token that opened it expires (4401); both
 * tell the client to reconnect, the second with a fresh token.
 */
@WebSocket(path = "/v1/sessions/{sessionId}/live")
@RolesAllowed(Roles.READER)
public class SessionSocket {

    /** The replica shuts down: reconnect (to another replica). */
    static final CloseReason DRAINING = new CloseReason(1012, "draining: reconnect");
    /** The token that opened the channel expired: reconnect with a fresh one. */
    static final CloseReason TOKEN_EXPIRED = new CloseReason(4401, "token-expired");

    private final LiveChannels channels;
    private final SessionQueries sessions;
    private final Callers callers;
    private final ObjectMapper json;
    private final Map<String, Flow.Subscription> open = new ConcurrentHashMap<>();

    public SessionSocket(LiveChannels channels, SessionQueries sessions, Callers callers, ObjectMapper json) {
        this.channels = channels;
        this.sessions = sessions;
        this.callers = callers;
        this.json = json;
    }

    @OnOpen
    public Multi<String> open(WebSocketConnection connection) {
        String sessionId = connection.pathParam("sessionId");
        Caller caller = callers.current();
        if (!Ids.isValid(sessionId)) {
            return refuse(connection, Ids.invalid("sessionId"));
        }
        // through a completion stage, so that the channel does not keep the check's database session
        // (and the pipeline that read it) for as long as it stays open
        return Uni.createFrom().completionStage(() -> sessions.exists(sessionId, caller.tenant()).subscribeAsCompletionStage())
                .onItem().transformToMulti(exists -> exists ? channel(connection, sessionId, caller)
                        : refuse(connection, ProblemException.notFound("no session " + sessionId)));
    }

    private Multi<String> channel(WebSocketConnection connection, String sessionId, Caller caller) {
        try {
            // the channel ends only with a hint: the replica drains, or the token expired
            AtomicReference<CloseReason> end = new AtomicReference<>(DRAINING);
            return channels.session(sessionId, lastEventId(connection.handshakeRequest().query()), caller)
                    .onItem().<Frame>disjoint()
                    .invoke(frame -> {
                        if (frame.endsAnExpiredToken()) {
                            end.set(TOKEN_EXPIRED);
                        }
                    })
                    .filter(frame -> !frame.isComment())
                    .map(this::message)
                    .onSubscription().invoke(subscription -> hold(connection, subscription))
                    .onTermination().invoke(() -> open.remove(connection.id()))
                    .onCompletion().call(() -> connection.close(end.get()));
        } catch (ProblemException problem) {
            return refuse(connection, problem);
        }
    }

    /**
     * The server does not cancel the stream returned from {@code @OnOpen} when the client goes away, so
     * the subscription is kept per connection and cancelled on close, which releases the channel's watch.
     */
    @OnClose
    void close(WebSocketConnection connection) {
        Flow.Subscription subscription = open.remove(connection.id());
        if (subscription != null) {
            subscription.cancel();
        }
    }

    private void hold(WebSocketConnection connection, Flow.Subscription subscription) {
        open.put(connection.id(), subscription);
        if (connection.isClosed()) {
            close(connection);
        }
    }

    private Multi<String> refuse(WebSocketConnection connection, ProblemException problem) {
        ObjectNode body = json.createObjectNode()
                .put("type", "https://stream-journal.dev/problems/" + problem.slug())
                .put("title", problem.title())
                .put("status", problem.status())
                .put("detail", problem.getMessage());
        String message = json.createObjectNode().put("event", "error").set("data", body).toString();
        return Multi.createFrom().item(message)
                .onCompletion().call(() -> connection.close(new CloseReason(4000 + problem.status(), problem.slug())));
    }

    private String message(Frame frame) {
        ObjectNode message = json.createObjectNode().put("event", frame.event());
        if (frame.id() != null) {
            message.put("id", frame.id());
        }
        message.putRawValue("data", new RawValue(frame.data()));
        return message.toString();
    }

    private static String lastEventId(String query) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("lastEventId=")) {
                return URLDecoder.decode(pair.substring("lastEventId=".length()), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
