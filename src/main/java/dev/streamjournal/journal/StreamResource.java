package dev.streamjournal.journal;

import dev.streamjournal.common.Ids;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.common.QueryParams;
import dev.streamjournal.security.Callers;
import dev.streamjournal.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Producer and reader endpoints of one stream. A producer may also read the status and the event pages,
 * which it needs to resume after a crash (its {@code lastSeq}, what it already appended).
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "streams")
public class StreamResource {

    private final StreamService streams;
    private final AppendService appends;
    private final StreamStatusRepository statuses;
    private final JournalReader reader;
    private final Callers callers;
    private final StopService stops;

    public StreamResource(StreamService streams, AppendService appends, StreamStatusRepository statuses, JournalReader reader,
            Callers callers, StopService stops) {
        this.stops = stops;
        this.streams = streams;
        this.appends = appends;
        this.statuses = statuses;
        this.reader = reader;
        this.callers = callers;
    }

    @POST
    @Path("/sessions/{sessionId}/streams")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.PRODUCER)
    @Operation(summary = "Start a stream (one assistant turn) in a session")
    public Uni<Response> create(@PathParam("sessionId") String sessionId, CreateStreamRequest request) {
        return streams.create(sessionId, request, callers.current())
                .map(outcome -> outcome.created()
                        ? Response.created(URI.create("/v1/streams/" + outcome.status().streamId()))
                                .entity(outcome.status()).build()
                        : Response.ok(outcome.status()).build());
    }

    @POST
    @Path("/streams/{streamId}/events")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.PRODUCER)
    @Operation(summary = "Append a batch of events; 200 means committed")
    @RequestBody(content = @Content(schema = @Schema(implementation = AppendRequest.class)))
    public Uni<AppendResult> append(@PathParam("streamId") String streamId, byte[] body) throws IOException {
        Ids.require("streamId", streamId);
        return appends.append(streamId, appends.parse(body), callers.current());
    }

    @POST
    @Path("/streams/{streamId}/heartbeat")
    @RolesAllowed(Roles.PRODUCER)
    @Operation(summary = "Extend the stream's lease; 204, or 200 {stopRequested: true} once a reader asked the producer to stop")
    public Uni<Response> heartbeat(@PathParam("streamId") String streamId) {
        Ids.require("streamId", streamId);
        return appends.heartbeat(streamId, callers.current())
                .map(stopRequested -> stopRequested
                        ? Response.ok(Map.of("streamId", streamId, "stopRequested", true)).build()
                        : Response.noContent().build());
    }

    @POST
    @Path("/streams/{streamId}/stop")
    @RolesAllowed({Roles.READER, Roles.PRODUCER})
    @Operation(summary = "Ask the producer of a live stream to stop; after journal.stop-grace the service ends it cancelled")
    public Uni<Response> stop(@PathParam("streamId") String streamId) {
        Ids.require("streamId", streamId);
        return stops.requestStop(streamId, callers.current()).map(stop -> Response.accepted(stop).build());
    }

    @GET
    @Path("/streams")
    @RolesAllowed(Roles.READER)
    @Operation(summary = "The tenant's streams, newest first, by state and session")
    public Uni<StreamStatusRepository.Listing> list(@QueryParam("state") String state,
            @QueryParam("sessionId") String sessionId, @QueryParam("limit") String limit,
            @QueryParam("after") String after) {
        if (state != null && !STATES.contains(state)) {
            throw ProblemException.invalidRequest("state must be one of " + String.join(", ", STATES));
        }
        if (sessionId != null) {
            Ids.require("sessionId", sessionId);
        }
        int pageSize = QueryParams.intInRange("limit", limit, 1, 1000, 100);
        return statuses.list(callers.current().tenant(), sessionId, state, StreamCursor.decode(after), pageSize);
    }

    /** The states a listing filters by: live; terminal and not yet closed; closed. */
    static final List<String> STATES = List.of("active", "terminal", "closed");

    @GET
    @Path("/streams/{streamId}")
    @RolesAllowed({Roles.READER, Roles.PRODUCER})
    @Operation(summary = "Where a stream stands")
    public Uni<StreamStatus> status(@PathParam("streamId") String streamId) {
        Ids.require("streamId", streamId);
        return statuses.find(streamId, callers.current().tenant())
                .onItem().ifNull().failWith(() -> ProblemException.notFound("no stream " + streamId));
    }

    @GET
    @Path("/streams/{streamId}/events")
    @RolesAllowed({Roles.READER, Roles.PRODUCER})
    @Operation(summary = "A page of the stream's journal after a seq")
    public Uni<EventPage> events(@PathParam("streamId") String streamId, @QueryParam("after") String after,
            @QueryParam("limit") String limit) {
        Ids.require("streamId", streamId);
        int afterSeq = QueryParams.intInRange("after", after, 0, Integer.MAX_VALUE, 0);
        int pageSize = QueryParams.intInRange("limit", limit, 1, 1000, 100);
        return reader.page(streamId, afterSeq, pageSize, callers.current());
    }
}
