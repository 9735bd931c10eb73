package dev.streamjournal.ds;

import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Tokens.TENANT_A;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.support.AuthOn;
import dev.streamjournal.support.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@code /ds} with authentication on: a write without a token, or with a token that lacks the producer
 * role, is answered before its body is read. The refused requests below announce 8 MB and send none of
 * it: a server that waited for the body would not answer them (the read gives up after 30 s).
 */
@QuarkusTest
@TestProfile(AuthOn.class)
class DsAuthTest {

    @TestHTTPResource("/")
    URL root;

    @Test
    void writes_withoutATokenOrTheRole_areRefused_beforeTheirBodyIsRead() throws Exception {
        String path = "/ds/v1/stream/" + id("ds-auth");
        assertThat(statusLine("POST", path, null)).startsWith("HTTP/1.1 401");
        assertThat(statusLine("PUT", path, null)).startsWith("HTTP/1.1 401");
        assertThat(statusLine("POST", path, Tokens.bearer("ds-reader", TENANT_A, "reader"))).startsWith("HTTP/1.1 403");
        // the same head from a producer, its body sent after it: the request is served with that body
        assertThat(statusLine("PUT", path, Tokens.bearer("ds-writer", TENANT_A, "producer"), "[{\"n\":1}]"))
                .startsWith("HTTP/1.1 201");
    }

    /** Sends the head of a request announcing an 8 MB body and none of it; the answer's status line. */
    private String statusLine(String method, String path, String authorization) throws Exception {
        return statusLine(method, path, authorization, null);
    }

    /** Sends a request's head, then {@code body} (its Content-Length) if given; the answer's status line. */
    private String statusLine(String method, String path, String authorization, String body) throws Exception {
        try (Socket socket = new Socket(root.getHost(), root.getPort())) {
            socket.setSoTimeout(30000);
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: " + root.getHost() + "\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + (body == null ? 8000000 : body.length())
                    + "\r\n" + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            if (body != null) {
                out.write(body.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }
}
