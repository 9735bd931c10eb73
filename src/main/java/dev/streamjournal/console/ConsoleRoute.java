package dev.streamjournal.console;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The operator console is static ({@code META-INF/resources/console/}, with the client library under
 * {@code lib/}); {@code /console} without the slash redirects to it, so its relative paths resolve.
 */
@ApplicationScoped
public class ConsoleRoute {

    void route(@Observes Router router) {
        // a Vert.x route of "/console" also matches "/console/": only the path without the slash moves
        router.get("/console").handler(context -> {
            if (context.request().path().equals("/console")) {
                context.response().setStatusCode(301).putHeader("Location", "/console/").end();
            } else {
                context.next();
            }
        });
    }
}
