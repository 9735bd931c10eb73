package dev.streamjournal.live;

import dev.streamjournal.common.QueryParams;
import dev.streamjournal.journal.StreamStatus;
import dev.streamjournal.security.Callers;
import dev.streamjournal.security.Roles;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseHeader;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** Live channels over Server-Sent Events. */
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
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_PLAIN)
    @ResponseHeader(name = "X-Accel-Buffering", value = "no")
    @ExistingStream
    @Operation(summary = "Live tail of a stream: replay after the cursor, live events, settlement, end")
    public Multi<OutboundSseEvent> streamTail(@PathParam("streamId") String streamId, @QueryParam("after") String after,
            @HeaderParam("Last-Event-ID") String lastEventId, @Context Sse sse, @Context ContainerRequestContext request) {
        StreamStatus stream = (StreamStatus) request.getProperty(ExistingStream.PROPERTY);
        int cursor = after != null
                ? QueryParams.intInRange("after", after, 0, Integer.MAX_VALUE, 0)
                : LiveChannels.streamCursor(streamId, lastEventId);
        return channels.stream(streamId, stream.sessionId(), cursor, callers.current()).map(frame -> toSse(sse, frame));
    }

    @GET
    @Path("/sessions/{sessionId}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_PLAIN)
    @ResponseHeader(name = "X-Accel-Buffering", value = "no")
    @ExistingSession
    @Operation(summary = "Every stream of a session on one connection: stream_started, events, settlements")
    public Multi<OutboundSseEvent> sessionTail(@PathParam("sessionId") String sessionId,
            @HeaderParam("Last-Event-ID") String lastEventId, @Context Sse sse) {
        return channels.session(sessionId, lastEventId, callers.current()).map(frame -> toSse(sse, frame));
    }

    static OutboundSseEvent toSse(Sse sse, Frame frame) {
        OutboundSseEvent.Builder builder = sse.newEventBuilder();
        if (frame.retry() != null) {
            builder.reconnectDelay(frame.retry());
        }
        if (frame.isComment()) {
            return builder.comment(frame.comment()).build();
        }
        builder.name(frame.event()).data(String.class, frame.data());
        if (frame.id() != null) {
            builder.id(frame.id());
        }
        return builder.build();
    }
}
