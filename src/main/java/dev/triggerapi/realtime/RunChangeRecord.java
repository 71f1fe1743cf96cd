package dev.triggerapi.realtime;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The small change record published on Redis after a run write commits.
 *
 * @param runId           internal run id
 * @param friendlyId      public run id
 * @param environmentId   the run's environment (the channel it travels on)
 * @param watermarkMicros the committed row's {@code updated_at} in epoch microseconds, taken from the write
 *                        itself: a replica row older than this has not applied the write yet
 */
public record RunChangeRecord(String runId, String friendlyId, String environmentId, long watermarkMicros) {

    static RunChangeRecord of(String runId, String friendlyId, String environmentId, Instant updatedAt) {
        return new RunChangeRecord(runId, friendlyId, environmentId, Versions.micros(updatedAt));
    }

    Instant watermark() {
        return Versions.instant(watermarkMicros);
    }

    /** The later of two records of one run (coalescing keeps the latest). */
    static RunChangeRecord latest(RunChangeRecord a, RunChangeRecord b) {
        return b.watermarkMicros > a.watermarkMicros ? b : a;
    }

    /** Utility conversions between row versions ({@code updated_at}) and their microsecond form. */
    static final class Versions {
        private Versions() {
        }

        static long micros(Instant instant) {
            return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
        }

        static Instant instant(long micros) {
            return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
        }
    }
}
