package dev.triggerapi.datasource;

import jakarta.persistence.MappedSuperclass;
import jakarta.persistence.PostLoad;
import jakarta.persistence.PostPersist;
import jakarta.persistence.Transient;
import org.springframework.data.domain.Persistable;

/**
 * Base of entities whose id the application assigns before saving. Spring Data treats an entity with a non-null id
 * as existing and merges it, which costs a {@code SELECT} before every {@code INSERT}; this base says "new" until
 * the entity has been persisted or loaded, so {@code save} is a plain persist.
 */
@MappedSuperclass
public abstract class AssignedIdEntity implements Persistable<String> {

    @Transient
    private boolean isNew = true;

    @Override
    public boolean isNew() {
        return isNew;
    }

    @PostPersist
    @PostLoad
    void markPersisted() {
        isNew = false;
    }
}
