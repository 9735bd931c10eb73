package dev.streamjournal.ds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.ds.DsRepository.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The buffer a DS live feed keeps of a stream's latest messages for its readers. */
class DsFeedTest {

    @Test
    void theBuffer_keepsAtMostAPageOfSmallMessages_theNewest() {
        List<Message> messages = new ArrayList<>();
        for (int seq = 1; seq <= 3 * DsFeed.PAGE; seq++) {
            messages.add(new Message(seq, new byte[] {'x'}));
        }
        List<Message> kept = DsFeed.trim(messages);
        assertThat(kept).hasSize(DsFeed.PAGE);
        assertThat(kept.get(0).seq()).isEqualTo(2 * DsFeed.PAGE + 1);
        assertThat(kept.get(kept.size() - 1).seq()).isEqualTo(3 * DsFeed.PAGE);
    }

    @Test
    void theBuffer_keepsAtMostItsBytes_butAlwaysTheLastMessage() {
        byte[] half = new byte[(int) (DsFeed.BUFFER_BYTES / 2) + 1];
        List<Message> kept = DsFeed.trim(List.of(new Message(1, half), new Message(2, half), new Message(3, half)));
        assertThat(kept).extracting(Message::seq).containsExactly(3L);
        byte[] huge = new byte[(int) DsFeed.BUFFER_BYTES * 2];
        assertThat(DsFeed.trim(List.of(new Message(1, new byte[1]), new Message(2, huge))))
                .extracting(Message::seq).containsExactly(2L);
    }
}
