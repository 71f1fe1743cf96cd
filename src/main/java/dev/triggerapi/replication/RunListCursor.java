package dev.triggerapi.replication;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import dev.triggerapi.api.ApiException;

/**
 * A position in the newest-first runs list: the run's creation time (microseconds, PostgreSQL's precision) and
 * its id, the same total order in PostgreSQL and ClickHouse. Opaque to clients (base64url), and self-contained,
 * so a page never depends on looking a run up again (which a lagging replica might not have).
 *
 * @param createdAtMicros the run's {@code created_at}, microseconds since the epoch
 * @param runId           the run's internal id
 */
record RunListCursor(long createdAtMicros, String runId) {

    private static final String VERSION = "1";
    /** 9999-12-31T23:59:59.999999Z: no real run is newer, and anything past it would overflow the queries. */
    private static final long MAX_MICROS = 253_402_300_799_999_999L;

    String encode() {
        String raw = VERSION + ":" + createdAtMicros + ":" + runId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses a cursor from {@code page[after]} / {@code page[before]}; anything else is a 400. */
    static RunListCursor decode(String param, String value) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
            String[] parts = raw.split(":", 3);
            if (parts.length == 3 && parts[0].equals(VERSION) && parts[2].matches("[a-z0-9]{1,64}")) {
                long micros = Long.parseLong(parts[1]);
                if (micros >= 0 && micros <= MAX_MICROS) {
                    return new RunListCursor(micros, parts[2]);
                }
            }
        } catch (IllegalArgumentException e) {
            // falls through to the 400
        }
        throw ApiException.badRequest(param + " is not a cursor from this API: pass the pagination.next or "
                + "pagination.previous value of a previous page");
    }
}
