package dev.triggerapi.support;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips a Spring integration test, with the reason, when the container fixture is selected but no Docker engine
 * answers; with the embedded fixture (the default) it never skips.
 */
public class ContainerFixtureCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!ContainerCluster.selected()) {
            return ConditionEvaluationResult.enabled("embedded cluster fixture");
        }
        return ContainerCluster.dockerAvailable()
                ? ConditionEvaluationResult.enabled("container fixture with a reachable Docker engine")
                : ConditionEvaluationResult.disabled("container fixture selected but no Docker engine is reachable "
                        + "(set DOCKER_HOST, e.g. from src/test/docker/engine-start.sh)");
    }
}
