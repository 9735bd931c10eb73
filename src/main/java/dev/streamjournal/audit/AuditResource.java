package dev.streamjournal.audit;

import dev.streamjournal.common.Ids;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.common.QueryParams;
import dev.streamjournal.journal.EventClass;
import dev.streamjournal.security.Callers;
import dev.streamjournal.security.Roles;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;
import org.jboss.resteasy.reactive.common.util.RestMediaType;

/** Journal-backed audit: events and lifecycle facts in global order, as pages or as an NDJSON export. */
@Path("/v1/audit")
@Tag(name = "audit")
@RolesAllowed(Roles.AUDITOR)
public class AuditResource {

    private final AuditService audit;
    private final Callers callers;

    public AuditResource(AuditService audit, Callers callers) {
        this.audit = audit;
        this.callers = callers;
    }

    @GET
    @Path("/events")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A keyset page of journal events in global position order")
    public Uni<AuditPage.Events> events(@QueryParam("sessionId") String sessionId,
            @QueryParam("streamId") String streamId, @QueryParam("type") String type, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("after") String after, @QueryParam("limit") String limit) {
        return audit.events(filter(sessionId, streamId, type, from, to), AuditCursor.decode(after), limit(limit),
                callers.current());
    }

    @GET
    @Path("/events")
    @Produces(RestMediaType.APPLICATION_NDJSON)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Operation(summary = "The whole selection of journal events as NDJSON, at constant memory")
    public Multi<AuditEvent> export(@QueryParam("sessionId") String sessionId, @QueryParam("streamId") String streamId,
            @QueryParam("type") String type, @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("after") String after) {
        return audit.exportEvents(filter(sessionId, streamId, type, from, to), AuditCursor.decode(after),
                callers.current());
    }

    @GET
    @Path("/lifecycle")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A keyset page of the lifecycle log")
    public Uni<AuditPage.Lifecycle> lifecycle(@QueryParam("sessionId") String sessionId,
            @QueryParam("streamId") String streamId, @QueryParam("from") String from, @QueryParam("to") String to,
            @QueryParam("after") String after, @QueryParam("limit") String limit) {
        return audit.lifecycle(filter(sessionId, streamId, null, from, to), AuditCursor.decode(after), limit(limit),
                callers.current());
    }

    private static int limit(String limit) {
        return QueryParams.intInRange("limit", limit, 1, 1000, 100);
    }

    private static AuditFilter filter(String sessionId, String streamId, String type, String from, String to) {
        if (sessionId != null) {
            Ids.require("sessionId", sessionId);
        }
        if (streamId != null) {
            Ids.require("streamId", streamId);
        }
        if (type != null && EventClass.of(type).isEmpty() && !EventClass.DS_MESSAGE.equals(type)) {
            throw ProblemException.invalidRequest("type '" + type + "' is not an event type");
        }
        return new AuditFilter(sessionId, streamId, type, time("from", from), time("to", to));
    }

    private static OffsetDateTime time(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.invalidRequest(name + " must be an ISO-8601 date-time with offset, like 2026-01-31T12:00:00Z");
        }
    }
}
