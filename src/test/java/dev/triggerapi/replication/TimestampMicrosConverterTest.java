package dev.triggerapi.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

/** Every form Debezium hands a {@code timestamptz} over in (streaming, snapshot) becomes the same microseconds. */
class TimestampMicrosConverterTest {

    private static final long MICROS = Instant.parse("2026-12-04T14:28:04.630430Z").getEpochSecond() * 1_000_000L + 630_430;

    @Test
    void streamingSnapshotAndTextFormsGiveTheSameMicroseconds() {
        Instant instant = Instant.parse("2026-12-04T14:28:04.630430Z");
        assertThat(TimestampMicrosConverter.micros(instant.atOffset(ZoneOffset.UTC))).isEqualTo(MICROS);
        assertThat(TimestampMicrosConverter.micros(instant.atOffset(ZoneOffset.ofHoursMinutes(5, 30)))).isEqualTo(MICROS);
        assertThat(TimestampMicrosConverter.micros(Timestamp.from(instant))).isEqualTo(MICROS);
        assertThat(TimestampMicrosConverter.micros("2026-12-04 14:28:04.63043+00")).isEqualTo(MICROS);
        assertThat(TimestampMicrosConverter.micros("2026-12-04 19:58:04.63043+05:30")).isEqualTo(MICROS);
        assertThat(TimestampMicrosConverter.micros("2026-12-04 11:28:04.63043-03")).isEqualTo(MICROS);
        assertThat(TimestampMicrosConverter.micros("2026-12-04T14:28:04.63043Z")).isEqualTo(MICROS);
        assertThat(TimestampMicrosConverter.micros(null)).isNull();
    }

    @Test
    void timesBeforeTheEpochRoundTowardsThePast() {
        OffsetDateTime before = OffsetDateTime.parse("1969-12-31T23:59:59.999999Z");
        assertThat(TimestampMicrosConverter.micros(before)).isEqualTo(-1L);
    }
}
