package dev.triggerapi.api;

import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.health.actuate.endpoint.AdditionalHealthEndpointPath;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Keeps the service UP while a dependency it degrades around is DOWN. Boot aggregates health by status code
 * only, so a DOWN replica would take every instance out of its load balancer at once although reads fall
 * back to the writer. The primary group's aggregator is wrapped: when the usual aggregate is DOWN (or OUT OF
 * SERVICE), it aggregates again over the critical components only. Each component still shows its own
 * truthful status.
 */
@Configuration(proxyBeanMethods = false)
class DegradedHealthConfiguration {

    @Bean
    HealthEndpointGroupsPostProcessor degradedHealthPostProcessor(ObjectProvider<HealthContributorRegistry> registry,
                                                                  HealthAggregationProperties properties) {
        return groups -> new DegradedGroups(groups, registry, properties.nonCritical());
    }

    private record DegradedGroups(HealthEndpointGroups delegate, ObjectProvider<HealthContributorRegistry> registry,
                                  Set<String> nonCritical) implements HealthEndpointGroups {

        @Override
        public HealthEndpointGroup getPrimary() {
            HealthEndpointGroup primary = delegate.getPrimary();
            return new DegradedGroup(primary, new CriticalOnlyAggregator(primary.getStatusAggregator(), registry, nonCritical));
        }

        @Override
        public Set<String> getNames() {
            return delegate.getNames();
        }

        @Override
        public HealthEndpointGroup get(String name) {
            return delegate.get(name);
        }

        @Override
        public HealthEndpointGroup get(AdditionalHealthEndpointPath path) {
            return delegate.get(path);
        }
    }

    private record DegradedGroup(HealthEndpointGroup delegate, StatusAggregator aggregator) implements HealthEndpointGroup {

        @Override
        public boolean isMember(String name) {
            return delegate.isMember(name);
        }

        @Override
        public boolean showComponents(SecurityContext securityContext) {
            return delegate.showComponents(securityContext);
        }

        @Override
        public boolean showDetails(SecurityContext securityContext) {
            return delegate.showDetails(securityContext);
        }

        @Override
        public StatusAggregator getStatusAggregator() {
            return aggregator;
        }

        @Override
        public HttpCodeStatusMapper getHttpCodeStatusMapper() {
            return delegate.getHttpCodeStatusMapper();
        }

        @Override
        public AdditionalHealthEndpointPath getAdditionalPath() {
            return delegate.getAdditionalPath();
        }
    }

    /** Re-aggregates over the critical components when the plain aggregate says the service is down. */
    record CriticalOnlyAggregator(StatusAggregator delegate, ObjectProvider<HealthContributorRegistry> registry,
                                  Set<String> nonCritical) implements StatusAggregator {

        @Override
        public Status getAggregateStatus(Set<Status> statuses) {
            Status aggregate = delegate.getAggregateStatus(statuses);
            HealthContributorRegistry contributors = registry.getIfAvailable();
            if (contributors == null || !(Status.DOWN.equals(aggregate) || Status.OUT_OF_SERVICE.equals(aggregate))) {
                return aggregate;
            }
            Set<Status> critical = contributors.stream()
                    .filter(entry -> !nonCritical.contains(entry.name()))
                    .map(entry -> status(entry.contributor()))
                    .collect(Collectors.toSet());
            return delegate.getAggregateStatus(critical);
        }

        private Status status(HealthContributor contributor) {
            if (contributor instanceof HealthIndicator indicator) {
                return indicator.health().getStatus();
            }
            if (contributor instanceof CompositeHealthContributor composite) {
                return delegate.getAggregateStatus(composite.stream().map(e -> status(e.contributor()))
                        .collect(Collectors.toSet()));
            }
            return Status.UNKNOWN;
        }
    }
}
