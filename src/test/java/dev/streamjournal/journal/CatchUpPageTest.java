package dev.streamjournal.journal;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A lagging reader's page is bounded by its events' size as well as by their number. */
@QuarkusTest
class CatchUpPageTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    JournalRepository journal;

    @Inject
    Pool pool;

    @Test
    void largeEvents_areReadInPagesOfAboutTheByteBound_smallOnesUpToTheCount() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        String text = "x".repeat(200_000);
        List<Map<String, Object>> large = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            large.add(Map.of("type", "token", "data", Map.of("text", text + i)));
        }
        append(stream, large).statusCode(200);
        List<Map<String, Object>> small = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            small.add(Map.of("type", "token", "data", Map.of("text", "t" + i)));
        }
        append(stream, small).statusCode(200);

        // 1 MiB holds five of the 200 kB events (stored as jsonb, about as large as their text)
        List<JournalEvent> first = journal.boundedPage(pool, session, stream, "default", 0, 2000, 1 << 20).await().atMost(TIMEOUT);
        assertThat(first).extracting(JournalEvent::seq).containsExactly(1, 2, 3, 4, 5);
        // a single event larger than the bound still comes, alone
        assertThat(journal.boundedPage(pool, session, stream, "default", 5, 2000, 1000).await().atMost(TIMEOUT))
                .extracting(JournalEvent::seq).containsExactly(6);
        // small events: the count bounds the page
        assertThat(journal.boundedPage(pool, session, stream, "default", 8, 20, 1 << 20).await().atMost(TIMEOUT))
                .extracting(JournalEvent::seq).containsExactlyElementsOf(range(9, 28));
        assertThat(journal.boundedPage(pool, session, stream, "default", 8, 2000, 1 << 20).await().atMost(TIMEOUT))
                .hasSize(30);
        // another tenant reads nothing
        assertThat(journal.boundedPage(pool, session, stream, "other", 0, 2000, 1 << 20).await().atMost(TIMEOUT)).isEmpty();
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> seqs = new ArrayList<>();
        for (int seq = from; seq <= to; seq++) {
            seqs.add(seq);
        }
        return seqs;
    }
}
