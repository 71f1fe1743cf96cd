package dev.triggerapi.snapshot;

/**
 * The anchor snapshot of a snapshots-since read is not visible where the read ran: on the replica this
 * usually means the replica has not applied it yet (lag), on the primary that it does not exist for that
 * run. Flow control, not a fault: it carries no stack trace.
 */
public class SnapshotAnchorNotFoundException extends RuntimeException {

    public SnapshotAnchorNotFoundException(String snapshotId) {
        super("No execution snapshot found for id " + snapshotId, null, false, false);
    }
}
