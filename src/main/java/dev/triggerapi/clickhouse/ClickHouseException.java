package dev.triggerapi.clickhouse;

/**
 * ClickHouse refused a request or could not be reached.
 *
 * <p>{@code status} is the HTTP status (0 when the server was unreachable); the message is ClickHouse's own
 * ({@code Code: N, e.displayText() = DB::Exception: ...}).
 */
public class ClickHouseException extends RuntimeException {

    private final int status;

    public ClickHouseException(int status, String message) {
        super(message);
        this.status = status;
    }

    public ClickHouseException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** HTTP status of the answer, 0 when there was none. */
    public int status() {
        return status;
    }
}
