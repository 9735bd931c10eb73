package dev.streamjournal.aisdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.common.Ids;
import dev.streamjournal.journal.StreamStatus;
import dev.streamjournal.live.ExistingStream;
import dev.streamjournal.live.SseResponse;
import dev.streamjournal.security.Callers;
import dev.streamjournal.security.Roles;
import dev.streamjournal.session.SessionView;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * The AI SDK's protocol (npm {@code ai} 7) over the journal: a stream as a UI message stream, the
 * resume request of {@code useChat({resume: true})}, and the transcript as {@code UIMessage}s. Roles and
 * tenants as for the native reads.
 */
@Path("/v1")
@Tag(name = "ai-sdk")
@RolesAllowed(Roles.READER)
public class UiStreamResource {

    private final UiStream streams;
    private final UiMessages messages;
    private final Callers callers;

    public UiStreamResource(UiStream streams, UiMessages messages, Callers callers) {
        this.streams = streams;
        this.messages = messages;
        this.callers = callers;
    }

    @GET
    @Path("/streams/{streamId}/ui-stream")
    @ExistingStream
    @Operation(summary = "The stream as an AI SDK UI message stream: start, every event from the first, live, finish")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS))
    public RestMulti<Buffer> stream(@PathParam("streamId") String streamId, @Context ContainerRequestContext request) {
        StreamStatus stream = (StreamStatus) request.getProperty(ExistingStream.PROPERTY);
        return sse(request, streamId, stream.sessionId());
    }

    @GET
    @Path("/sessions/{sessionId}/ui-stream")
    @Resumable
    @Operation(summary = "The AI SDK's resume request: the live stream, or the last one when it ended after the page's revision; else 204")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS))
    @APIResponse(responseCode = "204", description = "nothing to resume")
    public RestMulti<Buffer> resume(@PathParam("sessionId") String sessionId, @QueryParam("revision") String revision,
            @Context ContainerRequestContext request) {
        SessionView session = (SessionView) request.getProperty(Resumable.SESSION);
        return sse(request, (String) request.getProperty(Resumable.STREAM), session.sessionId());
    }

    @GET
    @Path("/sessions/{sessionId}/ui-messages")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The transcript as AI SDK UIMessages, with the session revision, to seed useChat({messages})")
    public Uni<ObjectNode> messages(@PathParam("sessionId") String sessionId) {
        Ids.require("sessionId", sessionId);
        return messages.of(sessionId, callers.current());
    }

    /** The UI message stream of a stream (a HEAD gets the headers and an empty body). */
    private RestMulti<Buffer> sse(ContainerRequestContext request, String streamId, String sessionId) {
        return SseResponse.of(request, () -> streams.of(streamId, sessionId, callers.current()).map(Buffer::buffer),
                "x-vercel-ai-ui-message-stream", "v1");
    }
}
