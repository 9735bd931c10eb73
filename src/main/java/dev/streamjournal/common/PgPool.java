package dev.streamjournal.common;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnectOptions;
import jakarta.inject.Singleton;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Creates the reactive pool from the configured options, with two changes:
 * <ul>
 * <li>the client caches the prepared statement of any SQL text up to 16 KiB instead of 2 KiB. The
 * combined append statement is longer than 2 KiB; uncached, it would be parsed and planned again on
 * every append;</li>
 * <li>every new connection first sets PostgreSQL's {@code statement_timeout} to
 * {@code journal.database.statement-timeout}: a statement stuck behind a lock or on an overloaded
 * server is cancelled and rolled back by PostgreSQL, so that its outcome is known and its request
 * answered 503 with nothing written. It is a {@code SET} once per connection rather than a startup
 * parameter, which connection poolers such as PgBouncer refuse.</li>
 * </ul>
 */
@Singleton
public class PgPool implements PgPoolCreator {

    private static final Logger LOG = Logger.getLogger(PgPool.class);
    static final int CACHED_SQL_LIMIT = 16 * 1024;

    private final DatabaseConfig config;

    public PgPool(DatabaseConfig config) {
        this.config = config;
    }

    @Override
    public Pool create(Input input) {
        List<SqlConnectOptions> options = input.pgConnectOptionsList().stream()
                .<SqlConnectOptions>map(configured -> new PgConnectOptions(configured)
                        .setPreparedStatementCacheSqlLimit(CACHED_SQL_LIMIT))
                .toList();
        String setTimeout = "set statement_timeout = " + config.statementTimeout().toMillis();
        return PgBuilder.pool().with(input.poolOptions()).connectingTo(options).using(input.vertx())
                .withConnectHandler(connection -> connection.query(setTimeout).execute().onComplete(set -> {
                    if (set.failed()) {
                        LOG.warnf("could not set the statement timeout on a new connection: %s", set.cause().toString());
                    }
                    connection.close(); // hands the connection to the pool
                }))
                .build();
    }
}
