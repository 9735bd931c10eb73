package dev.streamjournal.aisdk;

import dev.streamjournal.common.Ids;
import dev.streamjournal.common.Problem;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.security.Callers;
import dev.streamjournal.session.SessionRepository;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Decides the AI SDK's resume request ({@link ResumeDecision}) before the response starts. */
public class ResumeFilter {

    private static final Pattern REVISION = Pattern.compile("0|[1-9][0-9]{0,17}");

    private final SessionRepository sessions;
    private final Callers callers;

    public ResumeFilter(SessionRepository sessions, Callers callers) {
        this.sessions = sessions;
        this.callers = callers;
    }

    @Resumable
    @ServerRequestFilter
    public Uni<Response> decide(ContainerRequestContext request) {
        String sessionId = request.getUriInfo().getPathParameters().getFirst("sessionId");
        if (!Ids.isValid(sessionId)) {
            return Uni.createFrom().item(Problem.response(Ids.invalid("sessionId")));
        }
        String revision = request.getUriInfo().getQueryParameters().getFirst("revision");
        if (revision != null && !REVISION.matcher(revision).matches()) {
            return Uni.createFrom().item(Problem.response(ProblemException.invalidRequest(
                    "revision must be the session revision the page has seen: a whole number, 0 or more")));
        }
        Long pageRevision = revision == null ? null : Long.valueOf(revision);
        return sessions.view(sessionId, callers.current().tenant())
                .map(view -> {
                    String streamId = ResumeDecision.streamToResume(view, pageRevision);
                    if (streamId == null) {
                        return Response.noContent().build();
                    }
                    request.setProperty(Resumable.SESSION, view);
                    request.setProperty(Resumable.STREAM, streamId);
                    return (Response) null;
                })
                // a chat that has no session yet (a new chat) has nothing to resume, as in the AI SDK
                .onFailure(failure -> failure instanceof ProblemException problem && problem.status() == 404)
                .recoverWithItem(() -> Response.noContent().build());
    }
}
