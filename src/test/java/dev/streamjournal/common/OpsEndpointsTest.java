package dev.streamjournal.common;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * Health, metrics (including live subscribers, push delay, settlement outcomes, parked long-polls),
 * OpenAPI, Swagger UI.
 */
@QuarkusTest
class OpsEndpointsTest {

    @Test
    void readiness_includesTheDatabase() {
        given().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem(containsString("Reactive PostgreSQL")));
    }

    @Test
    void livenessAndStartup_areUp() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/started").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metrics_arePrometheusText() {
        given().get("/q/metrics").then().statusCode(200).body(containsString("# TYPE jvm_memory_used_bytes gauge"));
    }

    @Test
    void metrics_includeLiveDeliveryAndSettlement() {
        given().get("/v1/streams/metrics-probe/settlement").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("journal_live_subscribers"))
                .body(containsString("journal_live_push_delay_seconds"))
                .body(containsString("journal_settlement_parked"))
                .body(containsString("journal_settlement_outcomes_total{outcome=\"missing\"}"))
                // the settlement of an unknown stream asked the stream directory, and missed
                .body(containsString("cache_gets_total{cache=\"stream-directory\",result=\"miss\"}"))
                .body(containsString("cache_size{cache=\"stream-directory\"}"));
    }

    @Test
    void openApi_describesTheProducerEndpoints() {
        given().accept("application/json").get("/q/openapi").then()
                .statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/v1/streams/{streamId}/events"))
                .body("paths", org.hamcrest.Matchers.hasKey("/v1/sessions/{sessionId}/streams"))
                .body("paths", org.hamcrest.Matchers.hasKey("/api/chat/stream/status"))
                .body("paths", org.hamcrest.Matchers.hasKey("/v1/streams/{streamId}/settlement"))
                .body("paths", org.hamcrest.Matchers.hasKey("/v1/sessions/{sessionId}/events"));
        given().accept("application/json").get("/q/openapi").then()
                .body("components.securitySchemes.SecurityScheme.scheme", equalTo("bearer"));
    }

    @Test
    void swaggerUi_isServed() {
        given().get("/q/swagger-ui/").then().statusCode(200).body(containsString("swagger"));
    }
}
