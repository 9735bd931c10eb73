package dev.streamjournal.cors;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With {@code journal.cors.origins} set, pages of those origins may call the API, and only they. */
@QuarkusTest
@TestProfile(CorsTest.TwoOrigins.class)
class CorsTest {

    static final String APP = "http://app.test:8081";

    public static class TwoOrigins implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("journal.cors.origins", APP + ",https://console.test");
        }
    }

    @Test
    void aPreflightFromAListedOrigin_isAnsweredWithTheApisMethodsAndHeaders() {
        given().header("Origin", APP).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type")
                .options("/v1/streams/some-stream/events")
                .then().statusCode(204)
                .header("Access-Control-Allow-Origin", APP)
                .header("Access-Control-Allow-Methods", containsString("POST"))
                .header("Access-Control-Allow-Headers", containsString("Authorization"))
                .header("Access-Control-Allow-Headers", containsString("Last-Event-ID"))
                .header("Access-Control-Allow-Headers", containsString("Content-Type"))
                .header("Vary", containsString("Origin"));
    }

    @Test
    void aRequestFromAListedOrigin_namesThatOrigin_onSuccessAndOnProblems() {
        given().header("Origin", "https://console.test").get("/v1/streams?limit=1")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", "https://console.test")
                .header("Access-Control-Expose-Headers", containsString("Location"));
        given().header("Origin", APP).get("/v1/streams/no-such-stream")
                .then().statusCode(404).body("type", containsString("not-found"))
                .header("Access-Control-Allow-Origin", APP);
    }

    @Test
    void anotherOrigin_getsNoCorsHeaders_andItsPreflightIsNotAnswered() {
        given().header("Origin", "http://evil.test").get("/v1/streams?limit=1")
                .then().statusCode(200).header("Access-Control-Allow-Origin", nullValue());
        given().header("Origin", "http://app.test:9999").header("Access-Control-Request-Method", "POST")
                .options("/v1/streams/some-stream/events")
                .then().header("Access-Control-Allow-Origin", nullValue())
                .header("Access-Control-Allow-Methods", nullValue());
    }

    @Test
    void aRequestWithoutOrigin_isUntouched() {
        given().get("/v1/streams?limit=1").then().statusCode(200)
                .header("Access-Control-Allow-Origin", nullValue())
                .body("streams", org.hamcrest.Matchers.notNullValue());
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
