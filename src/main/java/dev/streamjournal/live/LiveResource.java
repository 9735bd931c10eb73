package dev.streamjournal.live;

import dev.streamjournal.common.QueryParams;
import dev.streamjournal.journal.StreamStatus;
import dev.streamjournal.security.Callers;
import dev.streamjournal.security.Roles;
import io.smallrye.mutiny.Multi;
import io.vertx.core.buffer.Buffer;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * Live channels over Server-Sent Events. Each batch of frames the channel produces (a replay page, the
 * events of one change with their settlement) is written as one chunk of SSE text, not one write per
 * event. The stream tail declares no media type of its own, so that the JSON page on the same path wins
 * for every request that does not ask for {@code text/event-stream}.
 */
@Path("/v1")
@Tag(name = "live")
@RolesAllowed(Roles.READER)
public class LiveResource {

    private final LiveChannels channels;
    private final Callers callers;

    public LiveResource(LiveChannels channels, Callers callers) {
        this.channels = channels;
        this.callers = callers;
    }

    @GET
    @Path("/streams/{streamId}/events")
    @ExistingStream
    @Operation(summary = "Live tail of a stream (Accept: text/event-stream): replay after the cursor, live events, settlement, end")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS))
    public RestMulti<Buffer> streamTail(@PathParam("streamId") String streamId, @QueryParam("after") String after,
            @HeaderParam("Last-Event-ID") String lastEventId, @Context ContainerRequestContext request) {
        StreamStatus stream = (StreamStatus) request.getProperty(ExistingStream.PROPERTY);
        int cursor = after != null
                ? QueryParams.intInRange("after", after, 0, Integer.MAX_VALUE, 0)
                : LiveChannels.streamCursor(streamId, lastEventId);
        return sse(request, () -> channels.stream(streamId, stream.sessionId(), cursor, callers.current()));
    }

    @GET
    @Path("/sessions/{sessionId}/events")
    @ExistingSession
    @Operation(summary = "Every stream of a session on one connection: stream_started, events, settlements")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS))
    public RestMulti<Buffer> sessionTail(@PathParam("sessionId") String sessionId,
            @HeaderParam("Last-Event-ID") String lastEventId, @Context ContainerRequestContext request) {
        return sse(request, () -> channels.session(sessionId, lastEventId, callers.current()));
    }

    private static RestMulti<Buffer> sse(ContainerRequestContext request, Supplier<Multi<List<Frame>>> channel) {
        return SseResponse.of(request, () -> channel.get().map(frames -> Buffer.buffer(Frame.sse(frames))));
    }
}
