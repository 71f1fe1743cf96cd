package dev.triggerapi.duration;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.RECORD_COMPONENT;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import jakarta.validation.ReportAsSingleViolation;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

/**
 * A configured {@link java.time.Duration} that must be set and at least one millisecond: periods of scheduled
 * work and timeouts, where zero or less would fail or spin. Used on {@code @ConfigurationProperties} components so
 * a bad value fails start-up with the property's name instead of misbehaving later.
 */
@Documented
@Constraint(validatedBy = {})
@Target({FIELD, PARAMETER, RECORD_COMPONENT})
@Retention(RUNTIME)
@NotNull
@DurationMin(millis = 1)
@ReportAsSingleViolation
public @interface PositiveDuration {

    /** The violation message. */
    String message() default "must be a duration of at least 1ms (e.g. 250ms, 5s)";

    /** Validation groups. */
    Class<?>[] groups() default {};

    /** Validation payload. */
    Class<? extends Payload>[] payload() default {};
}
