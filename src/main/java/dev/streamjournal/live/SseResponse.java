package dev.streamjournal.live;

import io.smallrye.mutiny.Multi;
import io.vertx.core.buffer.Buffer;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import java.util.function.Supplier;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * A live body as an SSE response, with the headers every live channel sends. A HEAD gets those headers
 * and an empty body that ends at once: the live body never ends, and a response that does not end would
 * hold its connection, so that the next request on it would never be answered.
 */
public final class SseResponse {

    private SseResponse() {
    }

    /** @param extraHeaders pairs of header name and value the channel adds */
    public static RestMulti<Buffer> of(ContainerRequestContext request, Supplier<Multi<Buffer>> body,
            String... extraHeaders) {
        Multi<Buffer> pieces = HttpMethod.HEAD.equals(request.getMethod()) ? Multi.createFrom().empty() : body.get();
        RestMulti.SyncRestMulti.Builder<Buffer> response = RestMulti.fromMultiData(pieces)
                .header("Content-Type", MediaType.SERVER_SENT_EVENTS)
                .header("Cache-Control", "no-cache")
                .header("X-Accel-Buffering", "no");
        for (int i = 0; i + 1 < extraHeaders.length; i += 2) {
            response.header(extraHeaders[i], extraHeaders[i + 1]);
        }
        return response.build();
    }
}
