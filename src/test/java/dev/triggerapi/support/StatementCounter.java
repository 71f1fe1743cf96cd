package dev.triggerapi.support;

import jakarta.persistence.EntityManagerFactory;
import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;

/**
 * Counts the JDBC statements Hibernate prepares while a piece of code runs (Hibernate statistics, switched on in
 * {@code application-test.yml}). Statements sent through {@code JdbcClient} are not Hibernate's and not counted.
 * The statistics are global to the context, so a test using this must not run Hibernate work concurrently.
 */
public final class StatementCounter {

    private final Statistics statistics;

    public StatementCounter(EntityManagerFactory entityManagerFactory) {
        this.statistics = entityManagerFactory.unwrap(SessionFactory.class).getStatistics();
        if (!statistics.isStatisticsEnabled()) {
            throw new IllegalStateException("hibernate.generate_statistics is off in this context");
        }
    }

    /** The number of statements prepared while {@code work} ran. */
    public long count(Runnable work) {
        statistics.clear();
        work.run();
        return statistics.getPrepareStatementCount();
    }
}
