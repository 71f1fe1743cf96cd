package dev.triggerapi.runlist;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Turns the runs list's {@code filter[version]} and {@code filter[region]} names into the ids both stores filter
 * on: a version is a worker of the environment ({@code task_runs.locked_to_worker_id}), a region is a worker group
 * ({@code task_runs.worker_group_id}). ClickHouse carries only the ids, so the names are resolved here, once, for
 * either store.
 *
 * <p>Read on the replica; names the replica does not know are looked up again on the writer, because a version
 * registered a moment ago may not have reached the replica yet (its absence there proves nothing).
 */
@Component
class RunListNames {

    // SQL is the point: a filter's names resolve to ids in one ANY(?) query, replica-first then writer.
    private final JdbcClient jdbc;
    private final ReplicaFirstReader reader;

    RunListNames(JdbcClient jdbc, ReplicaFirstReader reader) {
        this.jdbc = jdbc;
        this.reader = reader;
    }

    /** {@code query} with its version and region names resolved (unchanged when it has neither filter). */
    RunListQuery resolve(RunListQuery query) {
        if (query.versions().isEmpty() && query.regions().isEmpty()) {
            return query;
        }
        Set<String> workers = query.versions().isEmpty() ? null
                : ids(query.versions(), names -> workerIds(query.environmentId(), names));
        Set<String> groups = query.regions().isEmpty() ? null : ids(query.regions(), this::workerGroupIds);
        return query.withResolvedIds(workers, groups);
    }

    private Set<String> ids(List<String> names, Function<List<String>, Map<String, String>> lookup) {
        Map<String, String> found = new LinkedHashMap<>(reader.onReplica(() -> lookup.apply(names)));
        List<String> missing = names.stream().filter(name -> !found.containsKey(name)).toList();
        if (!missing.isEmpty()) {
            found.putAll(reader.onWriter(() -> lookup.apply(missing)));
        }
        return Set.copyOf(new HashSet<>(found.values()));
    }

    private Map<String, String> workerIds(String environmentId, List<String> versions) {
        Map<String, String> out = new LinkedHashMap<>();
        jdbc.sql("SELECT version, id FROM background_workers WHERE runtime_environment_id = ? AND version = ANY(?)")
                .params(environmentId, versions.toArray(String[]::new))
                .query((rs, n) -> out.put(rs.getString("version"), rs.getString("id"))).list();
        return out;
    }

    private Map<String, String> workerGroupIds(List<String> names) {
        Map<String, String> out = new LinkedHashMap<>();
        jdbc.sql("SELECT name, id FROM worker_groups WHERE name = ANY(?)")
                .params((Object) names.toArray(String[]::new))
                .query((rs, n) -> out.put(rs.getString("name"), rs.getString("id"))).list();
        return out;
    }
}
