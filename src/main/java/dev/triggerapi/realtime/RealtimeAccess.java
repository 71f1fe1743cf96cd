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

    /** A run is readable through its own id, its batch or any of its tags (the run is then inside a readable set). */
    boolean canReadRun(String runFriendlyId, String batchId, Collection<String> tags) {
        if (isFull() || scopes.contains(PublicAccessTokens.runScope(runFriendlyId))) {
            return true;
        }
        if (batchId != null && canReadBatch(batchId)) {
            return true;
        }
        return tags.stream().anyMatch(tag -> scopes.contains(PublicAccessTokens.tagScope(tag)));
    }

    boolean canReadBatch(String batchId) {
        return isFull() || BatchIds.forms(batchId).stream().anyMatch(id -> scopes.contains(PublicAccessTokens.batchScope(id)));
    }

    /** A tag feed returns runs having all requested tags; one granted tag among them bounds it to readable runs. */
    boolean canReadTagFeed(Collection<String> tags) {
        return isFull() || tags.stream().anyMatch(tag -> scopes.contains(PublicAccessTokens.tagScope(tag)));
    }
}
