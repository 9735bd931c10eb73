package dev.streamjournal.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A WebSocket listener that collects the JSON messages of the session channel and the close code. */
public final class SocketMessages implements WebSocket.Listener {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<JsonNode> messages;
    private final CompletableFuture<Integer> closed;
    private final StringBuilder partial = new StringBuilder();

    public SocketMessages(List<JsonNode> messages, CompletableFuture<Integer> closed) {
        this.messages = messages;
        this.closed = closed;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                messages.add(JSON.readTree(partial.toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }
}
