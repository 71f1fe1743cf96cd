package dev.triggerapi.realtime;

import java.util.Collection;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who may read what on the realtime endpoints: an environment, and either everything in it (secret key) or only
 * the resources a public access token's scopes name ({@code read:runs:<runId>}, {@code read:batch:<batchId>},
 * {@code read:tags:<tag>}).
 *
 * @param environmentId the environment
 * @param scopes        the token's scopes, or {@code null} for full access
 */
record RealtimeAccess(String environmentId, Set<String> scopes) {

    static final String ATTRIBUTE = RealtimeAccess.class.getName();

    static RealtimeAccess full(String environmentId) {
        return new RealtimeAccess(environmentId, null);
    }

    static RealtimeAccess of(HttpServletRequest request) {
        return (RealtimeAccess) request.getAttribute(ATTRIBUTE);
    }

    boolean isFull() {
        return scopes == null;
    }

    /**
     * Scopes that read every run of the environment: {@code read:runs} without an id, {@code read:all} and
     * {@code admin}, as the SDK's {@code auth.createPublicToken({scopes: {read: {runs: true}}})} produces them.
     */
    private boolean readsEverything() {
        return isFull() || scopes.contains("read:runs") || scopes.contains("read:all") || scopes.contains("admin");
    }

    /** A run is readable through its own id, its batch or any of its tags (the run is then inside a readable set). */
    boolean canReadRun(String runFriendlyId, String batchId, Collection<String> tags) {
        if (readsEverything() || scopes.contains(PublicAccessTokens.runScope(runFriendlyId))) {
            return true;
        }
        if (batchId != null && canReadBatch(batchId)) {
            return true;
        }
        return tags.stream().anyMatch(tag -> scopes.contains(PublicAccessTokens.tagScope(tag)));
    }

    boolean canReadBatch(String batchId) {
        return readsEverything() || BatchIds.forms(batchId).stream().anyMatch(id -> scopes.contains(PublicAccessTokens.batchScope(id)));
    }

    /** A tag feed returns runs having all requested tags; one granted tag among them bounds it to readable runs. */
    boolean canReadTagFeed(Collection<String> tags) {
        return readsEverything() || tags.stream().anyMatch(tag -> scopes.contains(PublicAccessTokens.tagScope(tag)));
    }
}
