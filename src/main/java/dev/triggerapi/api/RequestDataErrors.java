package dev.triggerapi.api;

import java.sql.SQLException;
import java.util.Optional;

/**
 * Recognises database errors caused by a value the client sent rather than by the service: SQLSTATE class 22
 * ("data exception"), e.g. a NUL character in text (PostgreSQL cannot store it), a timestamp outside
 * PostgreSQL's range, a number too large for its column. Input validation catches the known cases with precise
 * messages; this is the safety net that keeps any value that slips past it a 400 instead of a 500.
 */
public final class RequestDataErrors {

    private RequestDataErrors() {
    }

    /** A client-facing message when {@code error} (or one of its causes) is a data exception, else empty. */
    public static Optional<String> describe(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("22")) {
                return Optional.of(switch (sql.getSQLState()) {
                    case "22021", "22P05" -> "Text in the request must not contain NUL (\\u0000) characters";
                    case "22007", "22008" -> "A date or time in the request is out of range";
                    case "22003" -> "A number in the request is out of range";
                    case "22001" -> "A value in the request is too long";
                    default -> "A value in the request cannot be stored";
                });
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return Optional.empty();
    }
}
