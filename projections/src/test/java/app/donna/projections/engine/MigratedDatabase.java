package app.donna.projections.engine;

import app.donna.testing.SharedInfra;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;

/** A fresh database on the shared server with the projections' schema, for a projector test of its own. */
public final class MigratedDatabase {

    private MigratedDatabase() {}

    /** The caller closes the pool. */
    public static HikariDataSource create(String purpose) {
        SharedInfra.Database db = SharedInfra.newDatabase(purpose);
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(db.jdbcUrl());
        dataSource.setUsername(db.username());
        dataSource.setPassword(db.password());
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        return dataSource;
    }

    /** Applies {@code events} to {@code projection} as one batch, in one transaction, as a projector would. */
    public static void apply(DSLContext db, Projection projection, SpecificRecordBase... events) {
        List<ProjectedEvent> batch = Arrays.stream(events)
                .map(e -> new ProjectedEvent("t", 0, 0, "k", e))
                .toList();
        db.transaction(tx -> projection.apply(tx.dsl(), batch));
    }
}
