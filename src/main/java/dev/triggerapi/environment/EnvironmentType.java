package dev.triggerapi.environment;

/** Kinds of runtime environment. In DEVELOPMENT the newest worker is current; elsewhere promotion decides. */
public enum EnvironmentType {
    DEVELOPMENT("dev"), STAGING("stg"), PRODUCTION("prod"), PREVIEW("preview");

    private final String keyTag;

    EnvironmentType(String keyTag) {
        this.keyTag = keyTag;
    }

    /** The tag used in secret keys, {@code tr_<tag>_...}. */
    public String keyTag() {
        return keyTag;
    }
}
