package dev.triggerapi.packet;

import java.time.Clock;
import java.util.Optional;

import dev.triggerapi.datasource.ReplicaFirstReader;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * Durable storage of offloaded payload packets and their presigned URLs. Other features call
 * {@link #downloadUrl} (run retrieval shows it as {@code payloadPresignedUrl}) and {@link #exists}
 * (a trigger with {@code payloadType: application/store} must reference a stored packet).
 */
@Service
public class PacketStore {

    /** The payload type of a run whose payload is a packet path. */
    public static final String STORE_PAYLOAD_TYPE = "application/store";

    private final JdbcClient jdbc;
    private final PayloadPacketRepository packets;
    private final ReplicaFirstReader reader;
    private final PacketUrlSigner signer;
    private final PacketProperties properties;
    private final Clock clock;

    PacketStore(JdbcClient jdbc, PayloadPacketRepository packets, ReplicaFirstReader reader, PacketUrlSigner signer,
                PacketProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.packets = packets;
        this.reader = reader;
        this.signer = signer;
        this.properties = properties;
        this.clock = clock;
    }

    /** A presigned URL to upload {@code path}; valid for the configured TTL. */
    String uploadUrl(String environmentId, String path) {
        return url(signer.sign(PacketUrlSigner.Operation.PUT, environmentId, path, clock.instant().plus(properties.urlTtl())));
    }

    /** A presigned URL to download {@code path} (no auth header needed); valid for the configured TTL. */
    public String downloadUrl(String environmentId, String path) {
        return url(signer.sign(PacketUrlSigner.Operation.GET, environmentId, path, clock.instant().plus(properties.urlTtl())));
    }

    /** Whether the packet is stored (replica first; a packet uploaded a moment ago is re-checked on the writer). */
    public boolean exists(String environmentId, String path) {
        PayloadPacket.Key key = new PayloadPacket.Key(environmentId, path);
        return reader.read(() -> Optional.of(key).filter(packets::existsById)).value().isPresent();
    }

    @Transactional
    void save(String environmentId, String path, byte[] content, String contentType) {
        // SQL is the point: an upload may be repeated or race another to the same path; one atomic upsert.
        jdbc.sql("""
                        INSERT INTO payload_packets (runtime_environment_id, path, content, content_type, size_bytes)
                        VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (runtime_environment_id, path)
                        DO UPDATE SET content = EXCLUDED.content, content_type = EXCLUDED.content_type,
                                      size_bytes = EXCLUDED.size_bytes, created_at = clock_timestamp()""")
                .params(environmentId, path, content, contentType, content.length).update();
    }

    Optional<StoredPacket> load(String environmentId, String path) {
        return reader.read(() -> packets.findById(new PayloadPacket.Key(environmentId, path))
                .map(packet -> new StoredPacket(packet.content(), packet.contentType()))).value();
    }

    private String url(String token) {
        String base = properties.publicBaseUrl().isBlank()
                ? ServletUriComponentsBuilder.fromCurrentContextPath().toUriString()
                : properties.publicBaseUrl().replaceAll("/+$", "");
        return base + "/packets/v1/" + token;
    }

    record StoredPacket(byte[] content, String contentType) {
    }
}
