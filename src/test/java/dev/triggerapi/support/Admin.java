package dev.triggerapi.support;

/** The admin token of the test profile (application-test.yml), for health details and {@code /admin/**}. */
public final class Admin {

    public static final String TOKEN = "test-admin-token";
    public static final String AUTHORIZATION = "Bearer " + TOKEN;

    private Admin() {
    }
}
