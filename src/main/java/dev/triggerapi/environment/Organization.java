package dev.triggerapi.environment;

import java.time.Instant;

import dev.triggerapi.datasource.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A tenant (table {@code organizations}). */
@Entity
@Table(name = "organizations")
class Organization extends AssignedIdEntity {

    @Id
    private String id;
    @Column(nullable = false, updatable = false)
    private String slug;
    @Column(nullable = false)
    private String title;
    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;

    protected Organization() {
    }

    @Override
    public String getId() {
        return id;
    }

    Organization(String id, String slug) {
        this.id = id;
        this.slug = slug;
        this.title = slug;
    }

    String slug() {
        return slug;
    }
}
