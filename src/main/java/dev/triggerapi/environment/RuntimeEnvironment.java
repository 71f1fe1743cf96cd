package dev.triggerapi.environment;

import java.time.Instant;

import dev.triggerapi.datasource.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

/** One environment of a project (table {@code runtime_environments}); its slug is its type's key tag. */
@Entity
@Table(name = "runtime_environments")
class RuntimeEnvironment extends AssignedIdEntity {

    @Id
    private String id;
    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "project_id", nullable = false, updatable = false)
    private Project project;
    @Column(nullable = false, updatable = false)
    private String slug;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false, updatable = false)
    private EnvironmentType type;
    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;

    protected RuntimeEnvironment() {
    }

    @Override
    public String getId() {
        return id;
    }

    RuntimeEnvironment(String id, Project project, EnvironmentType type) {
        this.id = id;
        this.project = project;
        this.slug = type.keyTag();
        this.type = type;
    }

    /** Lazy: callers that read it fetch it in their query. */
    Project project() {
        return project;
    }

    String slug() {
        return slug;
    }

    EnvironmentType type() {
        return type;
    }

    /** The record other features see; needs the project and its organization fetched. */
    AuthenticatedEnvironment authenticated() {
        return new AuthenticatedEnvironment(id, slug, type, project.getId(), project.externalRef(),
                project.organization().getId());
    }
}
