package dev.triggerapi.run;

import java.util.EnumSet;
import java.util.Set;

/**
 * Internal lifecycle status of a run (the {@code task_runs.status} column). {@link #publicStatus()} maps it
 * onto the 13 values the public API and the official SDK accept.
 *
 * <table>
 *   <caption>Internal → public status</caption>
 *   <tr><th>internal</th><th>public</th></tr>
 *   <tr><td>PENDING_VERSION</td><td>PENDING_VERSION</td></tr>
 *   <tr><td>DELAYED</td><td>DELAYED</td></tr>
 *   <tr><td>QUEUED, RETRYING_AFTER_FAILURE</td><td>QUEUED</td></tr>
 *   <tr><td>DEQUEUED</td><td>DEQUEUED</td></tr>
 *   <tr><td>EXECUTING</td><td>EXECUTING</td></tr>
 *   <tr><td>WAITING</td><td>WAITING</td></tr>
 *   <tr><td>COMPLETED_SUCCESSFULLY</td><td>COMPLETED</td></tr>
 *   <tr><td>COMPLETED_WITH_ERRORS</td><td>FAILED</td></tr>
 *   <tr><td>CANCELED</td><td>CANCELED</td></tr>
 *   <tr><td>EXPIRED</td><td>EXPIRED</td></tr>
 *   <tr><td>SYSTEM_FAILURE</td><td>SYSTEM_FAILURE</td></tr>
 *   <tr><td>CRASHED</td><td>CRASHED</td></tr>
 *   <tr><td>TIMED_OUT</td><td>TIMED_OUT</td></tr>
 * </table>
 */
public enum RunStatus {
    PENDING_VERSION("PENDING_VERSION"),
    DELAYED("DELAYED"),
    QUEUED("QUEUED"),
    DEQUEUED("DEQUEUED"),
    EXECUTING("EXECUTING"),
    WAITING("WAITING"),
    RETRYING_AFTER_FAILURE("QUEUED"),
    COMPLETED_SUCCESSFULLY("COMPLETED"),
    COMPLETED_WITH_ERRORS("FAILED"),
    CANCELED("CANCELED"),
    EXPIRED("EXPIRED"),
    SYSTEM_FAILURE("SYSTEM_FAILURE"),
    CRASHED("CRASHED"),
    TIMED_OUT("TIMED_OUT");

    /** Statuses after which a run never changes again. */
    public static final Set<RunStatus> FINAL = EnumSet.of(COMPLETED_SUCCESSFULLY, COMPLETED_WITH_ERRORS, CANCELED,
            EXPIRED, SYSTEM_FAILURE, CRASHED, TIMED_OUT);
    /**
     * Final statuses that release the run's idempotency key: a new trigger with the key creates a new run. These are
     * the failures and expiry, as in the reference service; a CANCELED run keeps its key (until the key's TTL or an
     * explicit reset), so re-sending a cancelled trigger does not quietly redo the work.
     */
    public static final Set<RunStatus> RELEASES_IDEMPOTENCY_KEY = EnumSet.of(COMPLETED_WITH_ERRORS, EXPIRED,
            SYSTEM_FAILURE, CRASHED, TIMED_OUT);

    private final String publicStatus;

    RunStatus(String publicStatus) {
        this.publicStatus = publicStatus;
    }

    /** The status as the public API and the SDK spell it. */
    public String publicStatus() {
        return publicStatus;
    }

    public boolean isFinal() {
        return FINAL.contains(this);
    }
}
