package dev.streamjournal.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.security.Roles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The service's HTTP API as the drills call it on a packaged replica: one tenant's producer, reader
 * and auditor tokens, bodies built by Jackson (events from {@link Api#event}, {@link Api#token}), a
 * deadline on every call, and the answer as it came ({@link Http.Answer}), whatever its status.
 */
public final class ApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Replica replica;
    private final String tenant;
    private final Duration timeout;
    private final String producer;
    private final String reader;
    private final String auditor;

    public ApiClient(Replica replica, String tenant, Duration timeout) {
        this.replica = replica;
        this.tenant = tenant;
        this.timeout = timeout;
        this.producer = Tokens.bearer("producer", tenant, Roles.PRODUCER);
        this.reader = Tokens.bearer("reader", tenant, Roles.READER);
        this.auditor = Tokens.bearer("auditor", tenant, Roles.AUDITOR);
    }

    /** The same tenant and deadline on another replica. */
    public ApiClient on(Replica other) {
        return new ApiClient(other, tenant, timeout);
    }

    /** Creates {@code stream} in {@code session}, with the other fields of the create request. */
    public Http.Answer create(String session, String stream, Map<String, ?> fields) throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("streamId", stream);
        body.putAll(fields);
        return post("/v1/sessions/" + session + "/streams", body);
    }

    public Http.Answer create(String session, String stream) throws IOException, InterruptedException {
        return create(session, stream, Map.of());
    }

    /** Appends one batch of events. */
    public Http.Answer append(String stream, List<Map<String, Object>> events) throws IOException, InterruptedException {
        return post("/v1/streams/" + stream + "/events", Map.of("events", events));
    }

    @SafeVarargs
    public final Http.Answer append(String stream, Map<String, Object>... events) throws IOException, InterruptedException {
        return append(stream, List.of(events));
    }

    public Http.Answer heartbeat(String stream) throws IOException, InterruptedException {
        return Http.post(replica.uri("/v1/streams/" + stream + "/heartbeat"), producer, "", timeout);
    }

    /** A read with the reader's token. */
    public Http.Answer read(String path) throws IOException, InterruptedException {
        return Http.get(replica.uri(path), reader, timeout);
    }

    /** A read with the auditor's token. */
    public Http.Answer audit(String path) throws IOException, InterruptedException {
        return Http.get(replica.uri(path), auditor, timeout);
    }

    /** A POST of {@code body} as JSON with the producer's token. */
    public Http.Answer post(String path, Object body) throws IOException, InterruptedException {
        return Http.post(replica.uri(path), producer, json(body), timeout);
    }

    public String producerToken() {
        return producer;
    }

    public String readerToken() {
        return reader;
    }

    public String auditorToken() {
        return auditor;
    }

    private static String json(Object body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
