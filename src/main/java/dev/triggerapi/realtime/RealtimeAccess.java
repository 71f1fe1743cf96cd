package dev.triggerapi.realtime;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who may read what on the realtime endpoints: an environment, and either everything in it (secret key) or only
 * the resources a public access token's scopes name ({@code read:runs:<runId>}, {@code read:batch:<batchId>},
 * {@code read:tags:<tag>}), and which run columns the token never shows.
 *
 * @param environmentId the environment
 * @param scopes        the token's scopes, or {@code null} for full access
 * @param skipColumns   the token's {@code realtime.skipColumns} claim (what
 *                      {@code auth.createPublicToken({realtime: {skipColumns}})} puts in it): columns left out of
 *                      every answer on top of what the request asks to skip; empty for a secret key
 */
record RealtimeAccess(String environmentId, Set<String> scopes, Set<String> skipColumns) {

    static final String ATTRIBUTE = RealtimeAccess.class.getName();
    /** The token claim carrying realtime options, as the SDK names it. */
    static final String REALTIME_CLAIM = "realtime";

    RealtimeAccess {
        skipColumns = skipColumns == null ? Set.of() : Set.copyOf(skipColumns);
    }

    static RealtimeAccess full(String environmentId) {
        return new RealtimeAccess(environmentId, null, Set.of());
    }

    /**
     * The {@code skipColumns} of a token's {@code realtime} claim ({@code {"skipColumns": ["payload", ...]}}).
     * Empty when the claim is absent; empty {@link Optional} when it is malformed, so the token is refused: the
     * claim only ever narrows what a token shows, and ignoring a malformed one would widen it.
     */
    static Optional<Set<String>> skipColumnsClaim(Object realtimeClaim) {
        if (realtimeClaim == null) {
            return Optional.of(Set.of());
        }
        if (!(realtimeClaim instanceof Map<?, ?> realtime)) {
            return Optional.empty();
        }
        Object skip = realtime.get("skipColumns");
        if (skip == null) {
            return Optional.of(Set.of());
        }
        if (!(skip instanceof List<?> list)) {
            return Optional.empty();
        }
        Set<String> columns = new LinkedHashSet<>();
        for (Object column : list) {
            if (!(column instanceof String name)) {
                return Optional.empty();
            }
            columns.add(name);
        }
        return Optional.of(columns);
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
