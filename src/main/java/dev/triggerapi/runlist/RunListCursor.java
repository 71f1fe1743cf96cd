package dev.triggerapi.runlist;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import dev.triggerapi.api.ApiException;

/**
 * A position in the newest-first runs list: the run's creation time (microseconds, PostgreSQL's precision) and
 * its id, the same total order in PostgreSQL and ClickHouse. Opaque to clients (base64url), and self-contained,
 * so a page never depends on looking a run up again (which a lagging replica might not have).
 *
 * <p>A cursor also carries its <em>hop</em>: how many pages were fetched to reach the page that issued it. The
 * official SDK pages by re-sending its previous query with one cursor added ({@code getNextPage} adds
 * {@code page[after]}, {@code getPreviousPage} adds {@code page[before]}), so after one step in each direction
 * both parameters are present; the one with the higher hop is the one the client just followed.
 *
 * @param createdAtMicros the run's {@code created_at}, microseconds since the epoch
 * @param runId           the run's internal id
 * @param hop             pages fetched to reach the page that issued this cursor (0 for a row's own position)
 */
record RunListCursor(long createdAtMicros, String runId, int hop) {

    private static final String VERSION = "2";
    private static final String VERSION_WITHOUT_HOP = "1";
    /** 9999-12-31T23:59:59.999999Z: no real run is newer, and anything past it would overflow the queries. */
    private static final long MAX_MICROS = 253_402_300_799_999_999L;
    /** Far more pages than anyone follows; keeps the counter from overflowing. */
    private static final int MAX_HOP = 1_000_000_000;

    RunListCursor(long createdAtMicros, String runId) {
        this(createdAtMicros, runId, 0);
    }

    /** This position, as issued by a page reached after {@code hop} page fetches. */
    RunListCursor atHop(int hop) {
        return new RunListCursor(createdAtMicros, runId, Math.min(hop, MAX_HOP));
    }

    String encode() {
        String raw = VERSION + ":" + hop + ":" + createdAtMicros + ":" + runId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses a cursor from {@code page[after]} / {@code page[before]}; anything else is a 400. */
    static RunListCursor decode(String param, String value) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8);
            String[] parts = raw.split(":", 4);
            int hop = 0;
            if (parts.length == 4 && parts[0].equals(VERSION)) {
                hop = Integer.parseInt(parts[1]);
                parts = new String[] {VERSION_WITHOUT_HOP, parts[2], parts[3]};
            } else {
                parts = raw.split(":", 3);
            }
            if (parts.length == 3 && parts[0].equals(VERSION_WITHOUT_HOP) && parts[2].matches("[a-z0-9]{1,64}")
                    && hop >= 0 && hop <= MAX_HOP) {
                long micros = Long.parseLong(parts[1]);
                if (micros >= 0 && micros <= MAX_MICROS) {
                    return new RunListCursor(micros, parts[2], hop);
                }
            }
        } catch (IllegalArgumentException e) {
            // falls through to the 400
        }
        throw ApiException.badRequest(param + " is not a cursor from this API: pass the pagination.next or "
                + "pagination.previous value of a previous page");
    }
}
