package dev.streamjournal.live;

import dev.streamjournal.common.Ids;
import dev.streamjournal.common.Problem;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.journal.StreamStatusRepository;
import dev.streamjournal.security.Callers;
import dev.streamjournal.session.SessionQueries;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Looks up the stream or session of an event-stream endpoint before any byte of the stream is sent, so
 * that bad and unknown ids are answered with a problem document.
 */
public class ExistingStreamFilter {

    private final StreamStatusRepository streams;
    private final SessionQueries sessions;
    private final Callers callers;

    public ExistingStreamFilter(StreamStatusRepository streams, SessionQueries sessions, Callers callers) {
        this.streams = streams;
        this.sessions = sessions;
        this.callers = callers;
    }

    @ExistingSession
    @ServerRequestFilter
    public Uni<Response> requireSession(ContainerRequestContext request) {
        String sessionId = request.getUriInfo().getPathParameters().getFirst("sessionId");
        if (!Ids.isValid(sessionId)) {
            return Uni.createFrom().item(Problem.response(Ids.invalid("sessionId")));
        }
        return sessions.exists(sessionId, callers.current().tenant())
                .map(exists -> exists ? null : Problem.response(ProblemException.notFound("no session " + sessionId)));
    }

    @ExistingStream
    @ServerRequestFilter
    public Uni<Response> requireStream(ContainerRequestContext request) {
        String streamId = request.getUriInfo().getPathParameters().getFirst("streamId");
        if (!Ids.isValid(streamId)) {
            return Uni.createFrom().item(Problem.response(Ids.invalid("streamId")));
        }
        return streams.find(streamId, callers.current().tenant()).map(stream -> {
            if (stream == null) {
                return Problem.response(ProblemException.notFound("no stream " + streamId));
            }
            request.setProperty(ExistingStream.PROPERTY, stream);
            return null;
        });
    }
}
