package dev.streamjournal.common;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnectOptions;
import jakarta.inject.Singleton;
import java.util.List;

/**
 * Creates the reactive pool from the configured options, with one change: the client caches the
 * prepared statement of any SQL text up to 16 KiB instead of 2 KiB. The combined append statement is
 * longer than 2 KiB; uncached, it would be parsed and planned again on every append.
 */
@Singleton
public class PgPool implements PgPoolCreator {

    static final int CACHED_SQL_LIMIT = 16 * 1024;

    @Override
    public Pool create(Input input) {
        List<SqlConnectOptions> options = input.pgConnectOptionsList().stream()
                .<SqlConnectOptions>map(configured -> new PgConnectOptions(configured)
                        .setPreparedStatementCacheSqlLimit(CACHED_SQL_LIMIT))
                .toList();
        return PgBuilder.pool().with(input.poolOptions()).connectingTo(options).using(input.vertx()).build();
    }
}
