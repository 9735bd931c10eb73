package dev.streamjournal.ds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamjournal.ds.ProducerDecision.State;
import dev.streamjournal.ds.ProducerDecision.Verdict;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure rules of the Durable Streams layer: offsets, cursors, producers, JSON messages, headers. */
class DsDecisionsTest {

    @Test
    void offsets_areFixedWidth_orderedLikeTheirSeqs_andParseBack() {
        assertThat(DsOffset.ZERO).isEqualTo("0000000000000000_0000000000000000");
        assertThat(DsOffset.format(9)).isLessThan(DsOffset.format(10));
        assertThat(DsOffset.parse(DsOffset.format(1234))).isEqualTo(1234L);
        assertThat(DsOffset.parse(null)).isZero();
        assertThat(DsOffset.parse("-1")).isZero();
        assertThat(DsOffset.parse("now")).isEqualTo(-1L);
        // the first field is reserved: an offset this server never gives is refused
        assertThat(DsOffset.parse("9999999999999999_9999999999999999")).isNull();
        assertThat(DsOffset.parse("0000000000000000_12")).isNull();
        assertThat(DsOffset.parse("abc")).isNull();
    }

    @Test
    void cursors_countTwentySecondIntervals_andAlwaysMovePastTheClients() {
        long start = Instant.parse("2024-10-09T00:00:00Z").toEpochMilli();
        assertThat(DsCursor.next(null, start + 41_000)).isEqualTo("2");
        assertThat(DsCursor.next("1", start + 41_000)).isEqualTo("2");
        assertThat(DsCursor.next("garbage", start + 41_000)).isEqualTo("2");
        for (int i = 0; i < 100; i++) {
            long next = Long.parseLong(DsCursor.next("2", start + 41_000));
            assertThat(next).isBetween(3L, 2L + 180);
        }
    }

    @Test
    void producers_followTheProtocolsStateMachine() {
        assertThat(ProducerDecision.decide(null, 0, 0).verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(ProducerDecision.decide(null, 3, 0).verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(ProducerDecision.decide(null, 0, 2)).isEqualTo(new ProducerDecision.Decision(Verdict.GAP, 0));
        State state = new State(1, 4);
        assertThat(ProducerDecision.decide(state, 0, 9).verdict()).isEqualTo(Verdict.STALE_EPOCH);
        assertThat(ProducerDecision.decide(state, 2, 0).verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(ProducerDecision.decide(state, 2, 1).verdict()).isEqualTo(Verdict.NEW_EPOCH_NOT_AT_ZERO);
        assertThat(ProducerDecision.decide(state, 1, 4).verdict()).isEqualTo(Verdict.DUPLICATE);
        assertThat(ProducerDecision.decide(state, 1, 0).verdict()).isEqualTo(Verdict.DUPLICATE);
        assertThat(ProducerDecision.decide(state, 1, 5).verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(ProducerDecision.decide(state, 1, 7)).isEqualTo(new ProducerDecision.Decision(Verdict.GAP, 5));
    }

    @Test
    void jsonBodies_keepEachValueAsSent() throws Exception {
        List<byte[]> values = DsJson.split(bytes(" [ {\"a\": 1E3}, \"x,]\" ,[1, [2]], 7 ,true,null] "));
        assertThat(values).extracting(DsDecisionsTest::text)
                .containsExactly("{\"a\": 1E3}", "\"x,]\"", "[1, [2]]", "7", "true", "null");
        assertThat(text(DsJson.join(values))).isEqualTo("{\"a\": 1E3},\"x,]\",[1, [2]],7,true,null");
        assertThat(DsJson.split(bytes(" {\"k\":\"\\u0000\"}\n"))).extracting(DsDecisionsTest::text)
                .containsExactly("{\"k\":\"\\u0000\"}");
        assertThat(DsJson.split(bytes("[]"))).isEmpty();
        assertThat(text(DsJson.array(List.of(bytes("1,2"), bytes("{}"))))).isEqualTo("[1,2,{}]");
        assertThat(text(DsJson.array(List.of()))).isEqualTo("[]");
        for (String invalid : List.of("", "[1,", "{\"a\":}", "1 2", "[1] [2]", "nul")) {
            assertThatThrownBy(() -> DsJson.split(bytes(invalid))).as(invalid).isInstanceOf(DsJson.Invalid.class);
        }
    }

    @Test
    void headers_acceptOnlyTheProtocolsForms() {
        assertThat(DsHeaders.decimal("3600")).isEqualTo(3600L);
        assertThat(DsHeaders.decimal("0")).isZero();
        for (String invalid : List.of("+3600", "03600", "3600.0", "3.6e3", "-1", "", " 1", "9007199254740992")) {
            assertThat(DsHeaders.decimal(invalid)).as(invalid).isNull();
        }
        assertThat(DsHeaders.decimal("9007199254740991")).isEqualTo((1L << 53) - 1);
        assertThat(DsHeaders.isTrue("TRUE")).isTrue();
        assertThat(DsHeaders.isTrue("yes")).isFalse();
        assertThat(DsHeaders.timestamp("2030-01-01T00:00:00+02:00")).isEqualTo(Instant.parse("2029-12-31T22:00:00Z"));
        assertThat(DsHeaders.timestamp("tomorrow")).isNull();
        assertThat(DsContentTypes.same("Application/JSON; charset=utf-8", "application/json")).isTrue();
        assertThat(DsContentTypes.isText("text/markdown")).isTrue();
        assertThat(DsContentTypes.isText("application/octet-stream")).isFalse();
        assertThat(DsRequests.sourcePath("/v1/stream/a/b")).isEqualTo("a/b");
        assertThat(DsRequests.sourcePath("/ds/v1/stream/a")).isEqualTo("a");
        assertThat(DsRequests.sourcePath("/elsewhere/a")).isNull();
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** An expiry PostgreSQL could not store is a bad request, not a failed write. */
    @Test
    void expiries_pastWhatTheDatabaseStores_areBadRequests() {
        MultiMap ok = MultiMap.caseInsensitiveMultiMap().add("Stream-TTL", String.valueOf(DsRequests.MAX_TTL_SECONDS));
        assertThat(DsRequests.create("a", "/ds/v1/stream/a", ok, new byte[0]).problem()).isNull();
        for (MultiMap bad : List.of(
                MultiMap.caseInsensitiveMultiMap().add("Stream-TTL", String.valueOf(DsRequests.MAX_TTL_SECONDS + 1)),
                MultiMap.caseInsensitiveMultiMap().add("Stream-TTL", "9007199254740991"),
                MultiMap.caseInsensitiveMultiMap().add("Stream-Expires-At", "+294277-01-01T00:00:00Z"),
                MultiMap.caseInsensitiveMultiMap().add("Stream-Expires-At", "10000-01-01T00:00:00Z"),
                MultiMap.caseInsensitiveMultiMap().add("Stream-Expires-At", "-5000-01-01T00:00:00Z"))) {
            DsReply problem = DsRequests.create("a", "/ds/v1/stream/a", bad, new byte[0]).problem();
            assertThat(problem).as(bad.toString()).isNotNull();
            assertThat(problem.status).isEqualTo(400);
        }
        assertThat(DsRequests.create("a", "/ds/v1/stream/a",
                MultiMap.caseInsensitiveMultiMap().add("Stream-Expires-At", "9999-12-31T23:59:59Z"), new byte[0]).problem()).isNull();
    }
}
