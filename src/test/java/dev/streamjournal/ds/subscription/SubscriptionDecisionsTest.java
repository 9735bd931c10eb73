package dev.streamjournal.ds.subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.streamjournal.ds.DsRepository.Tail;
import dev.streamjournal.ds.subscription.Subscription.Link;
import dev.streamjournal.ds.subscription.Subscription.StreamInfo;
import io.vertx.mutiny.core.buffer.Buffer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pure decisions of subscriptions: glob patterns, where webhooks may go, wake tokens, the retry
 * backoff, the PUT body's checks and hash, and pending work against the paths' tails.
 */
class SubscriptionDecisionsTest {

    @Test
    void globs_matchOneSegmentPerStar_andAnyNumberPerDoubleStar() {
        assertThat(Glob.matches("events/*", "events/a")).isTrue();
        assertThat(Glob.matches("events/*", "events/a/b")).isFalse();
        assertThat(Glob.matches("events/*", "events")).isFalse();
        assertThat(Glob.matches("events/**", "events")).isTrue();
        assertThat(Glob.matches("events/**", "events/a/b/c")).isTrue();
        assertThat(Glob.matches("**/done", "a/b/done")).isTrue();
        assertThat(Glob.matches("**/done", "a/b/done/x")).isFalse();
        assertThat(Glob.matches("a/%2A", "a/*")).isTrue();
        assertThat(Glob.matches("a/%2A", "a/b")).isFalse();
        assertThat(Glob.matches("/events/*/", "events/a")).isTrue();
        assertThat(Glob.matches("a/**/b/**/c", "a/x/b/y/z/c")).isTrue();
        assertThat(Glob.matches("a/**/b/**/c", "a/x/c/y/b")).isFalse();
    }

    /**
     * Twenty {@code **}s against forty segments that never match: backtracking would try about 10^16 splits;
     * deciding each (pattern, path) position once answers at once. The limit only guards against a hang.
     */
    @Test
    void globs_ofManyDoubleStars_areDecidedWithoutBacktracking() {
        String pattern = "**/".repeat(20) + "never";
        String path = "s/".repeat(40) + "last";
        boolean matched = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Glob.matches(pattern, path));
        assertThat(matched).isFalse();
        assertThat(Glob.matches(pattern, "s/".repeat(40) + "never")).isTrue();
    }

    @Test
    void webhookUrls_arePublicHttps_orLoopbackHttpWhereAllowed() throws Exception {
        assertThat(WebhookUrls.rejection("https://hooks.example.com/x", false)).isNull();
        assertThat(WebhookUrls.rejection("http://hooks.example.com/x", false)).isNotNull();
        assertThat(WebhookUrls.rejection("http://127.0.0.1:8080/hook", false)).isNotNull();
        assertThat(WebhookUrls.rejection("http://127.0.0.1:8080/hook", true)).isNull();
        assertThat(WebhookUrls.rejection("http://localhost/hook", true)).isNull();
        assertThat(WebhookUrls.rejection("http://10.0.0.1/hook", true)).isNotNull();
        for (String refused : List.of("https://10.0.0.1/h", "https://192.168.1.2/h", "https://172.16.0.1/h",
                "https://169.254.169.254/latest", "https://127.0.0.1/h", "https://localhost/h", "https://[::1]/h",
                "https://[fd00::1]/h", "https://[::ffff:10.0.0.1]/h", "https://[::10.0.0.1]/h",
                "https://[64:ff9b::a9fe:a9fe]/h", "https://[64:ff9b:1::c0a8:101]/h", "https://[2002:7f00:1::1]/h",
                "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/h", "https://100.64.0.1/h", "https://user@x.example/h",
                "ftp://x.example/h", "not a url")) {
            assertThat(WebhookUrls.rejection(refused, true)).as(refused).isNotNull();
        }
        assertThat(WebhookUrls.mayReceive(InetAddress.getByName("10.1.2.3"), "hooks.example.com", false)).isFalse();
        assertThat(WebhookUrls.mayReceive(InetAddress.getByName("93.184.216.34"), "hooks.example.com", false)).isTrue();
        assertThat(WebhookUrls.mayReceive(InetAddress.getByName("127.0.0.1"), "localhost", true)).isTrue();
        assertThat(WebhookUrls.mayReceive(InetAddress.getByName("10.1.2.3"), "localhost", true)).isFalse();
        // IPv6 forms that carry a public IPv4 address pass as that address does
        assertThat(WebhookUrls.mayReceive(InetAddress.getByName("64:ff9b::5db8:d822"), "hooks.example.com", false)).isTrue();
        assertThat(WebhookUrls.mayReceive(InetAddress.getByName("2002:5db8:d822::1"), "hooks.example.com", false)).isTrue();
        assertThat(WebhookUrls.mayReceive(InetAddress.getByName("2606:4700::1111"), "hooks.example.com", false)).isTrue();
        // local-use NAT64 is never public, whatever it embeds and wherever
        assertThat(WebhookUrls.mayReceive(InetAddress.getByName("64:ff9b:1::5db8:d822"), "hooks.example.com", false)).isFalse();
        assertThat(WebhookUrls.mayReceive(InetAddress.getByName("64:ff9b:1:5db8:d822::"), "hooks.example.com", false)).isFalse();
    }

    /** A receiver's answer is kept up to 64 KiB; a longer one is kept as nothing, not in part. */
    @Test
    void webhookAnswers_areKeptUpTo64KiB_andLongerOnesNotAtAll() {
        WebhookSender.Bounded fits = new WebhookSender.Bounded();
        fits.add(Buffer.buffer("{\"done\":"));
        fits.add(Buffer.buffer("true}"));
        assertThat(new String(fits.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"done\":true}");
        WebhookSender.Bounded tooLong = new WebhookSender.Bounded();
        tooLong.add(Buffer.buffer("{\"done\":true,\"pad\":\""));
        tooLong.add(Buffer.buffer("x".repeat(WebhookSender.MAX_ANSWER)));
        tooLong.add(Buffer.buffer("\"}"));
        assertThat(tooLong.bytes()).isEmpty();
        WebhookSender.Bounded exactly = new WebhookSender.Bounded();
        exactly.add(Buffer.buffer("x".repeat(WebhookSender.MAX_ANSWER)));
        assertThat(exactly.bytes()).hasSize(WebhookSender.MAX_ANSWER);
    }

    @Test
    void wakeTokens_nameOneSubscriptionAndGeneration_andCannotBeForgedOrOutlived() {
        WakeTokens tokens = new WakeTokens("key".getBytes(StandardCharsets.UTF_8));
        Instant now = Instant.parse("2026-12-03T10:00:00Z");
        String token = tokens.issue("dss~a", "tenant-a", 7, now, Duration.ofHours(1));

        WakeTokens.Verified verified = tokens.verify(token, now.plusSeconds(60));
        assertThat(verified.error()).isNull();
        assertThat(verified.claims()).isEqualTo(new WakeTokens.Claims("dss~a", "tenant-a", 7));
        assertThat(tokens.verify(token, now.plusSeconds(3600)).error().code()).isEqualTo(SubscriptionError.TOKEN_EXPIRED);
        assertThat(new WakeTokens("other".getBytes(StandardCharsets.UTF_8)).verify(token, now).error().code())
                .isEqualTo(SubscriptionError.TOKEN_INVALID);
        String tampered = token.substring(0, token.lastIndexOf('.') - 2) + "AA" + token.substring(token.lastIndexOf('.'));
        assertThat(tokens.verify(tampered, now).error().code()).isEqualTo(SubscriptionError.TOKEN_INVALID);
        assertThat(tokens.verify("eyJhbGciOiJSUzI1NiJ9.e30.sig", now).error().code()).isEqualTo(SubscriptionError.TOKEN_INVALID);
    }

    @Test
    void retries_backOffFromOneSecondToSixty_withTwentyPercentJitter() {
        assertThat(SubscriptionService.backoffSeconds(1, 0.5)).isEqualTo(1.0);
        assertThat(SubscriptionService.backoffSeconds(2, 0.5)).isEqualTo(2.0);
        assertThat(SubscriptionService.backoffSeconds(7, 0.5)).isEqualTo(60.0);
        assertThat(SubscriptionService.backoffSeconds(1000, 0.5)).isEqualTo(60.0);
        assertThat(SubscriptionService.backoffSeconds(3, 0.0)).isCloseTo(3.2, within(1e-9));
        assertThat(SubscriptionService.backoffSeconds(3, 1.0)).isCloseTo(4.8, within(1e-9));
    }

    /**
     * A webhook's lease covers a whole delivery attempt; an unclaimed pull-wake wake is announced again after
     * the claim timeout, doubled for each unclaimed one before it, up to an hour.
     */
    @Test
    void wakeDeadlines_coverADelivery_andBackOffWhileNobodyClaims() {
        Duration delivery = Duration.ofSeconds(10);
        Duration claim = Duration.ofSeconds(60);
        assertThat(subscription("webhook", 1000).issuedLeaseSeconds(delivery, claim, 0)).isEqualTo(21.0);
        assertThat(subscription("webhook", 30_000).issuedLeaseSeconds(delivery, claim, 0)).isEqualTo(30.0);
        Subscription pull = subscription("pull-wake", 1000);
        assertThat(List.of(0, 1, 2, 5, 6, 1000)).extracting(unclaimed -> pull.issuedLeaseSeconds(delivery, claim, unclaimed))
                .containsExactly(60.0, 120.0, 240.0, 1920.0, 3600.0, 3600.0);
        assertThat(pull.issuedLeaseSeconds(delivery, Duration.ofHours(2), 3)).isEqualTo(7200.0);
    }

    private static Subscription subscription(String type, int leaseTtlMs) {
        return new Subscription("dss~x", "t", "x", type, "a/*", null, null, leaseTtlMs, null, "h", "http://x",
                Instant.EPOCH, 0, null, Map.of(), null, 0, null, Instant.EPOCH);
    }

    @Test
    void aPutBody_isCheckedAndNormalized_andItsHashIgnoresOrderOnly() {
        SubscriptionSpec.Parsed<SubscriptionSpec> parsed = SubscriptionSpec.parse(("""
                {"type":"webhook","pattern":"/events/*/","streams":["b","/a/","b"],"webhook":{"url":"https://h.example/x"},
                 "lease_ttl_ms":5000}""").getBytes(StandardCharsets.UTF_8), false);
        assertThat(parsed.error()).isNull();
        assertThat(parsed.value().pattern()).isEqualTo("events/*");
        assertThat(parsed.value().streams()).containsExactly("a", "b");
        assertThat(parsed.value().leaseTtlMs()).isEqualTo(5000);
        SubscriptionSpec reordered = SubscriptionSpec.parse(("""
                {"type":"webhook","pattern":"events/*","streams":["a","b"],"webhook":{"url":"https://h.example/x"},
                 "lease_ttl_ms":5000}""").getBytes(StandardCharsets.UTF_8), false).value();
        assertThat(reordered.hash()).isEqualTo(parsed.value().hash());
        SubscriptionSpec longer = SubscriptionSpec.parse(("""
                {"type":"webhook","pattern":"events/*","streams":["a","b"],"webhook":{"url":"https://h.example/x"}}""")
                .getBytes(StandardCharsets.UTF_8), false).value();
        assertThat(longer.leaseTtlMs()).isEqualTo(30_000);
        assertThat(longer.hash()).isNotEqualTo(parsed.value().hash());

        Map<String, String> refused = Map.of(
                "[]", SubscriptionError.INVALID_REQUEST,
                "{\"type\":\"poll\",\"pattern\":\"a\"}", SubscriptionError.INVALID_REQUEST,
                "{\"type\":\"pull-wake\",\"pattern\":\"a\"}", SubscriptionError.INVALID_REQUEST,
                "{\"type\":\"pull-wake\",\"wake_stream\":\"w\"}", SubscriptionError.INVALID_REQUEST,
                "{\"type\":\"pull-wake\",\"wake_stream\":\"w\",\"pattern\":\"a\",\"lease_ttl_ms\":999}", SubscriptionError.INVALID_REQUEST,
                "{\"type\":\"pull-wake\",\"wake_stream\":\"w\",\"pattern\":\"a\",\"lease_ttl_ms\":1.5}", SubscriptionError.INVALID_REQUEST,
                "{\"type\":\"pull-wake\",\"wake_stream\":\"w\",\"streams\":[\"__ds/x\"]}", SubscriptionError.INVALID_REQUEST,
                "{\"type\":\"webhook\",\"pattern\":\"a\"}", SubscriptionError.INVALID_REQUEST,
                "{\"type\":\"webhook\",\"pattern\":\"a\",\"webhook\":{\"url\":\"http://10.0.0.1/hook\"}}", SubscriptionError.URL_REJECTED);
        refused.forEach((body, code) -> assertThat(SubscriptionSpec.parse(body.getBytes(StandardCharsets.UTF_8), true)
                .error().code()).as(body).isEqualTo(code));
    }

    @Test
    void pendingWork_isATailPastTheCursor_andAnEmptyOrMissingPathHasNone() {
        List<StreamInfo> infos = Subscription.infos(List.of(
                new Link("a", true, false, "0000000000000000_0000000000000002", "ds~a"),
                new Link("b", false, true, Subscription.BEFORE_FIRST, null),
                new Link("c", false, true, "0000000000000000_0000000000000000", null),
                new Link("empty", false, true, Subscription.BEFORE_FIRST, null)),
                Map.of("a", new Tail("ds~a", 2), "b", new Tail("ds~b", 1), "empty", new Tail("ds~e", 0)));
        assertThat(infos).extracting(StreamInfo::hasPending).containsExactly(false, true, false, false);
        assertThat(infos).extracting(StreamInfo::linkType).containsExactly("explicit", "glob", "glob", "glob");
        assertThat(infos.get(2).tailOffset()).isEqualTo("0000000000000000_0000000000000000");
        assertThat(Subscription.pending(infos)).isTrue();
        assertThat(Subscription.firstPending(infos)).isEqualTo("b");
        assertThat(Subscription.pending(infos.subList(0, 1))).isFalse();
    }

    /**
     * A cursor belongs to the incarnation it was taken on: once the path was deleted or expired and created
     * again, its messages are pending from the first, however far the old cursor was.
     */
    @Test
    void aCursorOfAnEarlierIncarnation_isBeforeTheNewOnesFirstMessage() {
        List<StreamInfo> infos = Subscription.infos(List.of(
                new Link("recreated", false, true, "0000000000000000_0000000000000009", "ds~old"),
                new Link("same", false, true, "0000000000000000_0000000000000003", "ds~same"),
                new Link("gone", false, true, "0000000000000000_0000000000000009", "ds~gone")),
                Map.of("recreated", new Tail("ds~new", 2), "same", new Tail("ds~same", 3)));
        assertThat(infos).extracting(StreamInfo::ackedOffset)
                .containsExactly(Subscription.BEFORE_FIRST, "0000000000000000_0000000000000003", "0000000000000000_0000000000000009");
        assertThat(infos).extracting(StreamInfo::hasPending).containsExactly(true, false, false);
        assertThat(infos).extracting(StreamInfo::streamId).containsExactly("ds~new", "ds~same", null);
        assertThat(Subscription.tails(infos).get("recreated"))
                .isEqualTo(new Subscription.Position("0000000000000000_0000000000000002", "ds~new"));
    }
}
