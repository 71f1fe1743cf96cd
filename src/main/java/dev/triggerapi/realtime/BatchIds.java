package dev.triggerapi.realtime;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A batch id as a client has it is the friendly {@code batch_<id>}; {@code task_runs.batch_id} may hold either
 * form depending on the writer, so lookups and scope checks accept both.
 */
final class BatchIds {

    private static final String PREFIX = "batch_";

    private BatchIds() {
    }

    static Set<String> forms(String batchId) {
        Set<String> forms = new LinkedHashSet<>();
        forms.add(batchId);
        if (batchId.startsWith(PREFIX) && batchId.length() > PREFIX.length()) {
            forms.add(batchId.substring(PREFIX.length()));
        } else {
            forms.add(PREFIX + batchId);
        }
        return forms;
    }
}
