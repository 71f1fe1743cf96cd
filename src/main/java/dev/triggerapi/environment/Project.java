package dev.triggerapi.environment;

import java.time.Instant;

import dev.triggerapi.datasource.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

/** A project of an organization (table {@code projects}); {@code externalRef} is what the SDK calls its project ref. */
@Entity
@Table(name = "projects")
class Project extends AssignedIdEntity {

    @Id
    private String id;
    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "organization_id", nullable = false, updatable = false)
    private Organization organization;
    @Column(nullable = false, updatable = false)
    private String slug;
    @Column(nullable = false)
    private String name;
    @Column(name = "external_ref", nullable = false, updatable = false)
    private String externalRef;
    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;

    protected Project() {
    }

    @Override
    public String getId() {
        return id;
    }

    Project(String id, Organization organization, String slug, String externalRef) {
        this.id = id;
        this.organization = organization;
        this.slug = slug;
        this.name = slug;
        this.externalRef = externalRef;
    }

    /** Lazy: callers that read it fetch it in their query (see the repositories' {@code join fetch}). */
    Organization organization() {
        return organization;
    }

    String slug() {
        return slug;
    }

    String externalRef() {
        return externalRef;
    }
}
