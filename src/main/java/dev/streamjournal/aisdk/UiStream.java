package dev.streamjournal.aisdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.common.StorableJson;
import dev.streamjournal.live.Frame;
import dev.streamjournal.live.LiveChannels;
import dev.streamjournal.security.Caller;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A stream as an AI SDK UI message stream: the frames of its whole tail ({@link LiveChannels#wholeStream})
 * turned into {@code data: <chunk>} frames by a {@link UiChunks} of the connection's own, starting with
 * {@code start} and ending with {@code finish} and {@code data: [DONE]}. Keep-alive and drain comments pass
 * as SSE comments, which the client skips. A tail that ends without {@code finish} (this replica drains,
 * the token expires) ends the response without {@code [DONE]}: the message is not over.
 */
@ApplicationScoped
public class UiStream {

    private final LiveChannels channels;
    private final ObjectMapper json;

    public UiStream(LiveChannels channels, ObjectMapper json) {
        this.channels = channels;
        this.json = StorableJson.storedReader(json);
    }

    /** The SSE text of the stream's UI message stream, in pieces, each written in one go. */
    public Multi<String> of(String streamId, String sessionId, Caller caller) {
        UiChunks chunks = new UiChunks(streamId);
        Multi<String> body = channels.wholeStream(streamId, sessionId, caller).map(frames -> text(frames, chunks))
                .filter(text -> !text.isEmpty());
        return Multi.createBy().concatenating().streams(Multi.createFrom().item(data(chunks.start())), body);
    }

    private String text(List<Frame> frames, UiChunks chunks) {
        StringBuilder text = new StringBuilder(frames.size() * 96);
        boolean wasFinished = chunks.finished();
        for (Frame frame : frames) {
            if ("settlement".equals(frame.event())) {
                chunks.settlement(read(frame.data())).forEach(chunk -> text.append(data(chunk)));
            } else if (frame.event() != null && frame.data() != null) {
                JsonNode event = read(frame.data());
                chunks.event(event.path("type").asText(), event.path("seq").asInt(), event.get("data"))
                        .forEach(chunk -> text.append(data(chunk)));
            } else if (frame.comment() != null) {
                text.append(": ").append(frame.comment()).append("\n\n");
            }
        }
        if (chunks.finished() && !wasFinished) {
            text.append("data: [DONE]\n\n");
        }
        return text.toString();
    }

    private static String data(ObjectNode chunk) {
        return "data: " + chunk + "\n\n";
    }

    private JsonNode read(String text) {
        try {
            return json.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
