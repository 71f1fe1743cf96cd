package dev.triggerapi.api;

import java.io.IOException;

/**
 * A request body that is not well-formed Unicode: bytes that are not strict UTF-8 (overlong forms, encoded
 * surrogates, code points above U+10FFFF, truncated sequences) or a JSON {@code \}{@code uXXXX} escape naming
 * half of a surrogate pair without the other half. Such text has no faithful representation in PostgreSQL's
 * UTF-8 columns: the driver would silently store {@code ?} instead, so two different idempotency keys (or
 * tags, or payload strings) would become the same stored value. It is refused with a 400 instead.
 *
 * <p>An {@link IOException} because it is thrown from inside the body stream the JSON parser reads.
 */
public class InvalidUnicodeException extends IOException {

    public InvalidUnicodeException(String message) {
        super(message);
    }
}
