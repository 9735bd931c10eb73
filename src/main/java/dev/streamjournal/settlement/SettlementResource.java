package dev.streamjournal.settlement;

import dev.streamjournal.common.Ids;
import dev.streamjournal.common.QueryParams;
import dev.streamjournal.security.Callers;
import dev.streamjournal.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The settlement of a stream, now or at its first change ({@code wait}, long-poll). */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "settlement")
@RolesAllowed(Roles.READER)
public class SettlementResource {

    private final SettlementService settlements;
    private final Callers callers;

    public SettlementResource(SettlementService settlements, Callers callers) {
        this.settlements = settlements;
        this.callers = callers;
    }

    @GET
    @Path("/streams/{streamId}/settlement")
    @Operation(summary = "restored, active, stale, missing or error; wait=S (0-60) holds while active")
    public Uni<Settlement> settlement(@PathParam("streamId") String streamId, @QueryParam("wait") String wait) {
        Ids.require("streamId", streamId);
        int seconds = QueryParams.intInRange("wait", wait, 0, 60, 0);
        return settlements.await(streamId, callers.current(), Duration.ofSeconds(seconds));
    }
}
