package dev.triggerapi.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Run writes a client makes besides the lifecycle, both visible to realtime subscribers:
 * {@code PUT /api/v1/runs/{runId}/metadata} and {@code POST /api/v1/runs/{runId}/tags}.
 */
@RestController
class RunWritesController {

    private final RunMetadataUpdater metadata;
    private final RunTagsUpdater tags;
    private final RunWriteLimits limits;

    RunWritesController(RunMetadataUpdater metadata, RunTagsUpdater tags, RunWriteLimits limits) {
        this.metadata = metadata;
        this.tags = tags;
        this.limits = limits;
    }

    /** {@code {metadata?, operations?}} → {@code {metadata}} (the metadata after the update). */
    @PutMapping("/api/v1/runs/{runId}/metadata")
    Map<String, Object> updateMetadata(AuthenticatedEnvironment environment, @PathVariable String runId,
                                       HttpServletRequest request, @RequestBody JsonNode body) {
        // The body holds at most the new metadata plus operations: far beyond twice the limit is refused unread.
        long declared = request.getContentLengthLong();
        if (declared > 2L * limits.metadataMaxBytes() + 65_536) {
            throw new ApiException(HttpStatus.CONTENT_TOO_LARGE, "Request body too large");
        }
        return Map.of("metadata", metadata.update(environment, runId, body));
    }

    /** {@code {tags: "a" | ["a", "b"]}} → {@code {message}}. */
    @PostMapping("/api/v1/runs/{runId}/tags")
    Map<String, Object> addTags(AuthenticatedEnvironment environment, @PathVariable String runId,
                                @RequestBody JsonNode body) {
        JsonNode value = body == null ? null : body.get("tags");
        List<String> list = new ArrayList<>();
        if (value != null && value.isString()) {
            list.add(value.stringValue());
        } else if (value != null && value.isArray()) {
            for (JsonNode tag : value) {
                if (!tag.isString()) {
                    throw ApiException.badRequest("'tags' must be a string or an array of strings");
                }
                list.add(tag.stringValue());
            }
        } else {
            throw ApiException.badRequest("'tags' must be a string or an array of strings");
        }
        int added = tags.add(environment, runId, list);
        return Map.of("message", "Successfully set " + added + " new tags.");
    }
}
