package dev.triggerapi.packet;

import java.io.Serializable;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import org.hibernate.annotations.Immutable;

/**
 * A payload the SDK offloaded (table {@code payload_packets}), keyed by environment and path. Written only by the
 * upsert in {@link PacketStore#save}, hence immutable here.
 */
@Entity
@Immutable
@Table(name = "payload_packets")
class PayloadPacket {

    @EmbeddedId
    private Key key;
    @Column(nullable = false)
    private byte[] content;
    @Column(name = "content_type", nullable = false)
    private String contentType;

    protected PayloadPacket() {
    }

    byte[] content() {
        return content;
    }

    String contentType() {
        return contentType;
    }

    /**
     * @param environmentId the owning environment
     * @param path          the packet's path within it
     */
    @Embeddable
    record Key(@Column(name = "runtime_environment_id") String environmentId, @Column(name = "path") String path)
            implements Serializable {
    }
}
