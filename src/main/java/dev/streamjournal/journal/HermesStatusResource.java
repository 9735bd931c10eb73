package dev.streamjournal.journal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.streamjournal.common.Ids;
import dev.streamjournal.security.Callers;
import dev.streamjournal.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * hermes-webui's stream status, in its snake_case and its terminal_state words, so that an unchanged
 * hermes client can ask this service. Like hermes, an unknown stream is reported as not active with no
 * replay rather than as an error.
 */
@Path("/api/chat/stream/status")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "hermes")
@RolesAllowed(Roles.READER)
public class HermesStatusResource {

    /** The hermes status document. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record HermesStatus(boolean active, @JsonProperty("stream_id") String streamId,
            @JsonProperty("replay_available") boolean replayAvailable, HermesJournal journal) {
    }

    /** The hermes journal summary. */
    public record HermesJournal(@JsonProperty("session_id") String sessionId, @JsonProperty("run_id") String runId,
            @JsonProperty("last_seq") int lastSeq, @JsonProperty("last_event_id") String lastEventId,
            @JsonProperty("last_event") String lastEvent, boolean terminal,
            @JsonProperty("terminal_state") String terminalState) {
    }

    private final StreamStatusRepository statuses;
    private final Callers callers;

    public HermesStatusResource(StreamStatusRepository statuses, Callers callers) {
        this.statuses = statuses;
        this.callers = callers;
    }

    @GET
    @Operation(summary = "hermes-compatible stream status")
    public Uni<HermesStatus> status(@QueryParam("stream_id") String streamId) {
        Ids.require("stream_id", streamId);
        return statuses.find(streamId, callers.current().tenant())
                .map(status -> status == null ? new HermesStatus(false, streamId, false, null) : of(status));
    }

    private static HermesStatus of(StreamStatus status) {
        StreamStatus.Journal journal = status.journal();
        String terminalState = journal.terminalState() == null ? null : journal.terminalState().hermesWord();
        return new HermesStatus(status.active(), status.streamId(), journal.lastSeq() > 0,
                new HermesJournal(status.sessionId(), status.streamId(), journal.lastSeq(), journal.lastEventId(),
                        journal.lastEvent(), journal.terminal(), terminalState));
    }
}
