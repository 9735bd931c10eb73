package dev.streamjournal.settlement;

import dev.streamjournal.journal.StreamDirectory;
import dev.streamjournal.journal.TerminalState;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/** Reads the facts of a settlement in one statement, so that they come from one snapshot. */
@ApplicationScoped
public class SettlementRepository {

    static final String FACTS = """
            select s.stream_id, s.session_id, s.last_seq, s.terminal_state, s.terminal_seq, s.closed, se.active_stream_id, se.revision,
                   (select e.data::text
                      from journal_events e
                     where e.session_id = $1 and e.stream_id = s.stream_id and e.seq = s.terminal_seq) as terminal_data,
                   (select coalesce(json_agg(m.message order by m.idx), '[]'::json)::text
                      from transcript_messages m
                     where m.session_id = $1 and m.stream_id = s.stream_id) as messages
              from streams s
              join sessions se on se.session_id = s.session_id
             where s.session_id = $1 and se.session_id = $1 and s.stream_id = $2 and s.tenant = $3
            """;

    private final Pool pool;
    private final StreamDirectory directory;

    public SettlementRepository(Pool pool, StreamDirectory directory) {
        this.pool = pool;
        this.directory = directory;
    }

    /** The facts, or null when the tenant has no such stream. */
    public Uni<SettlementFacts> facts(String streamId, String tenant) {
        return directory.sessionOf(streamId).chain(sessionId -> sessionId == null ? Uni.createFrom().nullItem()
                : pool.preparedQuery(FACTS).execute(Tuple.of(sessionId, streamId, tenant))
                        .map(rows -> rows.size() == 0 ? null : facts(rows.iterator().next())));
    }

    private static SettlementFacts facts(Row row) {
        return new SettlementFacts(row.getString("stream_id"), row.getString("session_id"), row.getInteger("last_seq"),
                TerminalState.fromWord(row.getString("terminal_state")), row.getInteger("terminal_seq"),
                row.getBoolean("closed"),
                row.getString("active_stream_id"),
                row.getLong("revision"), row.getString("terminal_data"), row.getString("messages"));
    }
}
