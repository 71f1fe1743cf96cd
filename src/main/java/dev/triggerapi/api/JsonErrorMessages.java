package dev.triggerapi.api;

import org.springframework.http.converter.HttpMessageNotReadableException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;

/** Turns a JSON parsing failure into a short message that names the field but not parser internals. */
final class JsonErrorMessages {

    private JsonErrorMessages() {
    }

    static String describe(HttpMessageNotReadableException e) {
        Throwable cause = e.getCause();
        if (e.getMessage() != null && e.getMessage().startsWith("Required request body is missing")) {
            return "Request body is required";
        }
        for (Throwable t = cause; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof InvalidUnicodeException invalidUnicode) {
                return invalidUnicode.getMessage();
            }
        }
        if (cause instanceof InvalidFormatException invalid) {
            return "Invalid value for '" + path(invalid) + "'";
        }
        if (cause instanceof MismatchedInputException mismatched) {
            String path = path(mismatched);
            return path.isEmpty() ? "Invalid request body" : "Invalid type for '" + path + "'";
        }
        if (cause instanceof JacksonException) {
            return "Invalid JSON in request body";
        }
        return "Invalid request body";
    }

    private static String path(JacksonException e) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }
}
