package dev.streamjournal.cors;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Set;

/**
 * CORS for the origins of {@code journal.cors.origins}: a request from one of them gets
 * {@code Access-Control-Allow-Origin} naming it (never {@code *}: requests carry a bearer token), and its
 * preflight is answered here with the methods and request headers the API uses ({@code Authorization},
 * {@code Content-Type}, {@code Last-Event-ID}). Requests from any other origin, and every request when
 * the key is unset, pass untouched: a browser then refuses the cross-origin response itself, and
 * clients that are not browsers are not affected.
 */
@ApplicationScoped
public class Cors {

    static final String METHODS = "GET, POST, OPTIONS";
    static final String HEADERS = "Authorization, Content-Type, Last-Event-ID";
    static final String EXPOSED = "Location";
    static final String MAX_AGE = "600";

    private final Set<String> origins;

    public Cors(CorsConfig config) {
        this.origins = Set.copyOf(config.origins().orElse(List.of()));
    }

    void register(@Observes Filters filters) {
        if (!origins.isEmpty()) {
            filters.register(this::handle, 1000);
        }
    }

    private void handle(RoutingContext context) {
        String origin = context.request().getHeader(HttpHeaders.ORIGIN);
        HttpServerResponse response = context.response();
        response.headers().add(HttpHeaders.VARY, "Origin");
        if (origin == null || !origins.contains(origin)) {
            context.next();
            return;
        }
        response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        boolean preflight = context.request().method() == HttpMethod.OPTIONS
                && context.request().getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD) != null;
        if (preflight) {
            response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, METHODS)
                    .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, HEADERS)
                    .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, MAX_AGE)
                    .setStatusCode(204)
                    .end();
            return;
        }
        response.putHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
        context.next();
    }
}
