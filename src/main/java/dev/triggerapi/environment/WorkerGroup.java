package dev.triggerapi.environment;

import java.time.Instant;

import dev.triggerapi.datasource.AssignedIdEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A group of runners sharing worker tokens (table {@code worker_groups}). */
@Entity
@Table(name = "worker_groups")
class WorkerGroup extends AssignedIdEntity {

    @Id
    private String id;
    @Column(nullable = false)
    private String name;
    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;

    protected WorkerGroup() {
    }

    @Override
    public String getId() {
        return id;
    }

    WorkerGroup(String id, String name) {
        this.id = id;
        this.name = name;
    }

    String name() {
        return name;
    }
}
