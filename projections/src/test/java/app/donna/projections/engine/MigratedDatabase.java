package app.donna.projections.engine;

import app.donna.testing.SharedInfra;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

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
}
