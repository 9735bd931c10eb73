package dev.streamjournal.session;

import dev.streamjournal.common.Ids;
import dev.streamjournal.security.Callers;
import dev.streamjournal.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Reader endpoint of a session. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "sessions")
@RolesAllowed(Roles.READER)
public class SessionResource {

    private final SessionRepository sessions;
    private final Callers callers;

    public SessionResource(SessionRepository sessions, Callers callers) {
        this.sessions = sessions;
        this.callers = callers;
    }

    @GET
    @Path("/sessions/{sessionId}")
    @Operation(summary = "The session with its canonical transcript and its streams")
    public Uni<SessionView> get(@PathParam("sessionId") String sessionId) {
        Ids.require("sessionId", sessionId);
        return sessions.view(sessionId, callers.current().tenant());
    }
}
