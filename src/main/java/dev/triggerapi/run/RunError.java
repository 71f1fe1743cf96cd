package dev.triggerapi.run;

/**
 * A run's error, in the shape the public API and the official SDK use ({@code message} required).
 *
 * @param message    what went wrong
 * @param name       error name/class, if known
 * @param stackTrace stack trace text, if known
 */
public record RunError(String message, String name, String stackTrace) {
}
