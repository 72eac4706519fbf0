package io.turnpike.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.turnpike.testing.PostgresServer;
import org.junit.jupiter.api.Test;

/** The shared store on a real PostgreSQL, from a database nothing has touched yet. */
class SharedStoreTest {

    /**
     * An admin request can reach a node of a fresh fleet before the node's start-up has made the
     * tables; a read then must find an empty store, not a missing table taken for a store that is
     * down (which refused the first admin write with 503).
     */
    @Test
    void everyReadOfAFreshDatabaseFindsAnEmptyStore() throws Exception {
        assumeFalse(PostgresServer.skipped(), "PostgreSQL tests skipped (-Dturnpike.postgres=skip)");
        try (PostgresServer pg = PostgresServer.start()) {
            for (int read = 0; read < 5; read++) {
                SharedStore store = SharedStore.open(pg.newDatabase("store"));
                try {
                    switch (read) {
                        case 0 -> assertThat(store.bounds()).containsExactly(0, 0);
                        case 1 -> assertThat(store.after(0, 10)).isEmpty();
                        case 2 -> assertThat(store.entities().version()).isZero();
                        case 3 -> assertThat(store.registrations()).isEmpty();
                        default -> assertThat(store.members()).isEmpty();
                    }
                } finally {
                    store.close();
                }
            }
        }
    }
}
