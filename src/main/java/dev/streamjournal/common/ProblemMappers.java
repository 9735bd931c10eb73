package dev.streamjournal.common;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.io.CharConversionException;
import java.net.ConnectException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure into an {@code application/problem+json} response: one mapper per problem. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return Problem.response(e);
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonParseException e) {
        return Problem.response(400, "malformed-json", "Malformed JSON",
                "the request body is not well-formed JSON: " + e.getOriginalMessage(), Map.of());
    }

    /**
     * Well-formed JSON beyond the reader's bounds: a number of more than 1,000 digits, nesting deeper than
     * {@link StrictJson#MAX_NESTING} levels (Jackson's {@code StreamReadConstraints}). The writer's nesting
     * bound is higher, so what was accepted never fails here on its way out.
     */
    @ServerExceptionMapper
    public Response beyondBounds(StreamConstraintsException e) {
        return Problem.response(400, "invalid-request", "Invalid request",
                "the request body exceeds a bound of the JSON reader: " + e.getOriginalMessage(), Map.of());
    }

    /**
     * A body of the wrong shape: wrong types, missing or extra structure. Declared for
     * {@link MismatchedInputException} too, so that it wins over the framework's own mapper of that type.
     * Jackson wraps parse errors met while binding; those are malformed JSON.
     */
    @ServerExceptionMapper({JsonMappingException.class, MismatchedInputException.class})
    public Response invalidJson(JsonMappingException e) {
        if (e.getCause() instanceof StreamConstraintsException bounds) {
            return beyondBounds(bounds);
        }
        if (e.getCause() instanceof JsonParseException parse) {
            return malformedJson(parse);
        }
        if (e.getCause() instanceof CharConversionException encoding) {
            return Problem.response(400, "malformed-json", "Malformed JSON",
                    "the request body is not valid UTF-8: " + encoding.getMessage(), Map.of());
        }
        return Problem.response(400, "invalid-request", "Invalid request",
                "the request body does not match the expected shape" + path(e), Map.of());
    }

    /** No token, or a token that failed verification (signature, expiry, issuer, tenant claim). */
    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e) {
        String detail = e instanceof AuthenticationFailedException ? "the bearer token was refused"
                : "a bearer token is required";
        return Response.fromResponse(Problem.response(401, "unauthorized", "Unauthorized", detail, Map.of()))
                .header("WWW-Authenticate", "Bearer")
                .build();
    }

    /** A verified token whose groups do not include the role the endpoint needs. */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return Problem.response(403, "forbidden", "Forbidden", "the token's groups do not allow this request", Map.of());
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e) {
        if (e.getCause() instanceof StreamConstraintsException bounds) {
            return beyondBounds(bounds);
        }
        if (e.getCause() instanceof JsonParseException parse) {
            return malformedJson(parse);
        }
        if (e.getCause() instanceof JsonMappingException mapping) {
            return invalidJson(mapping);
        }
        int status = e.getResponse().getStatus();
        String slug = switch (status) {
            case 400 -> "invalid-request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 406 -> "not-acceptable";
            case 413 -> "payload-too-large";
            case 415 -> "unsupported-media-type";
            default -> status >= 500 ? "internal" : "http-" + status;
        };
        String title = Response.Status.fromStatusCode(status) != null
                ? Response.Status.fromStatusCode(status).getReasonPhrase()
                : "HTTP " + status;
        return Problem.response(status, slug, title, e.getMessage(), Map.of());
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (isInfrastructure(e)) {
            LOG.warnf("database unavailable: %s", e.toString());
            return Problem.response(503, "unavailable", "Service unavailable",
                    "the journal database is unavailable; retry later", Map.of());
        }
        LOG.error("unexpected failure", e);
        return Problem.response(500, "internal", "Internal error", "an unexpected error occurred", Map.of());
    }

    /**
     * True when the failure comes from the database being unreachable, overloaded, shutting down, out of
     * disk or read-only (a replica, or {@code default_transaction_read_only}), from a statement cancelled at
     * its timeout or left unanswered past it, or from a transaction that waited too long to write, not from
     * the request.
     */
    public static boolean isInfrastructure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof ClosedConnectionException || t instanceof TimeoutException
                    || t instanceof io.smallrye.mutiny.TimeoutException || isClosedConnection(t)) {
                return true;
            }
            if (t instanceof PgException pg && pg.getSqlState() != null) {
                String state = pg.getSqlState();
                if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")
                        || state.equals("57014") || state.equals("40001") || state.equals("40P01") || state.equals("25006")) {
                    return true;
                }
                // a transaction that waited too long to write (V5's bound on inserted_at - at): retry it
                if (state.equals("23514") && constraint(pg) != null && constraint(pg).endsWith("_written_promptly")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The SQL client's failures of a command given to a connection that closed before it was sent (the
     * database went away): they have no type of their own, only these messages.
     */
    private static final List<String> CLOSED_CONNECTION_MESSAGES = List.of(
            "Pending requests failed to be sent due to connection has been closed",
            "Connection is not active now");

    private static boolean isClosedConnection(Throwable t) {
        String message = t.getMessage();
        return message != null && CLOSED_CONNECTION_MESSAGES.stream().anyMatch(message::startsWith);
    }

    /** A constraint's name in a worker's message: Citus passes the message on, not the field, and names the shard. */
    private static final Pattern SHARD_CONSTRAINT = Pattern.compile("constraint \"(.+?)(_\\d+)?\"");

    /**
     * The constraint a PostgreSQL error names, or null. On Citus an error raised on a worker carries no
     * constraint field, and its message names the shard's constraint ({@code streams_pkey_102008}); the
     * name is then taken from the message, without the shard's suffix.
     */
    public static String constraint(PgException pg) {
        if (pg.getConstraint() != null) {
            return pg.getConstraint();
        }
        Matcher named = pg.getErrorMessage() == null ? null : SHARD_CONSTRAINT.matcher(pg.getErrorMessage());
        return named != null && named.find() ? named.group(1) : null;
    }

    private static String path(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b)
                .orElse("");
        return path.isEmpty() ? "" : " at " + path;
    }
}
