package dev.streamjournal.ds.subscription;

import dev.streamjournal.ds.DsConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.URI;
import java.util.Arrays;

/**
 * Posts signed webhook deliveries. The host is resolved first and every address checked
 * ({@link WebhookUrls#mayReceive}); the request then goes to the checked address, so that a name cannot
 * resolve to a private address between the check and the connection.
 */
@ApplicationScoped
public class WebhookSender {

    /** At most this much of a receiver's answer is kept (a {@code {"done":true}} needs a few bytes). */
    static final int MAX_ANSWER = 64 * 1024;

    /** A receiver's answer: its status and body (empty when it was longer than {@link #MAX_ANSWER}). */
    record Answer(int status, byte[] body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final Vertx vertx;
    private final DsConfig.Subscriptions config;
    private final HttpClient client;

    public WebhookSender(Vertx vertx, DsConfig config) {
        this.vertx = vertx;
        this.config = config.subscriptions();
        int timeout = (int) this.config.deliveryTimeout().toMillis();
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(timeout)
                .setKeepAlive(true).setMaxPoolSize(32).setVerifyHost(true));
    }

    Uni<Answer> post(String url, byte[] body, String signature) {
        URI uri = URI.create(url);
        String host = uri.getHost();
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        return vertx.executeBlocking(() -> InetAddress.getAllByName(host), false)
                .map(addresses -> Arrays.stream(addresses)
                        .filter(address -> WebhookUrls.mayReceive(address, host, config.allowLoopbackHttp()))
                        .findFirst()
                        .orElseThrow(() -> new IllegalStateException("the webhook host " + host
                                + " resolves to no address a webhook may go to")))
                .chain(address -> client.request(new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                        .setHost(host)
                        .setPort(port)
                        .setSsl(https)
                        .setIdleTimeout(config.deliveryTimeout().toMillis())
                        .setURI((uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
                        .putHeader("Content-Type", "application/json")
                        .putHeader("Webhook-Signature", signature)))
                .chain(request -> request.send(Buffer.buffer(body))
                        .chain(response -> response.toMulti()
                                .collect().in(Bounded::new, Bounded::add)
                                .map(answer -> new Answer(response.statusCode(), answer.bytes())))
                        .ifNoItem().after(config.deliveryTimeout()).fail()
                        // a receiver that hangs or talks too long loses its connection, not a pooled slot
                        .onFailure().invoke(() -> request.reset()))
                .ifNoItem().after(config.deliveryTimeout().multipliedBy(2)).fail();
    }

    /** An answer's bytes up to {@link #MAX_ANSWER}; past it none are kept, and the rest is dropped as it comes. */
    static final class Bounded {
        private final io.vertx.core.buffer.Buffer kept = io.vertx.core.buffer.Buffer.buffer();
        private boolean tooLong;

        void add(Buffer piece) {
            if (!tooLong && kept.length() + piece.length() <= MAX_ANSWER) {
                kept.appendBuffer(piece.getDelegate());
            } else {
                tooLong = true;
            }
        }

        byte[] bytes() {
            return tooLong ? new byte[0] : kept.getBytes();
        }
    }
}
