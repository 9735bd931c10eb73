package dev.streamjournal.cors;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Without {@code journal.cors.origins} (the default), no origin gets CORS headers. */
@QuarkusTest
class CorsOffTest {

    @Test
    void noOrigin_isAllowed_byDefault() {
        given().header("Origin", "http://app.test:8081").get("/v1/streams?limit=1")
                .then().statusCode(200).header("Access-Control-Allow-Origin", nullValue());
        given().header("Origin", "http://app.test:8081").header("Access-Control-Request-Method", "POST")
                .options("/v1/streams/some-stream/events")
                .then().header("Access-Control-Allow-Origin", nullValue());
    }
}
