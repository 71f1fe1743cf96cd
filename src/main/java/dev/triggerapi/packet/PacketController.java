package dev.triggerapi.packet;

import java.io.IOException;
import java.io.InputStream;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.api.PayloadTooLargeException;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Large-payload offload as the official SDK does it: {@code PUT /api/v2/packets/{path}} (secret key) answers a
 * presigned upload URL on this service; the SDK then {@code PUT}s the raw body there without an
 * Authorization header, and triggers with {@code payloadType: application/store} and the path.
 */
@RestController
class PacketController {

    private static final int MAX_PATH_LENGTH = 1024;

    private final PacketStore store;
    private final PacketUrlSigner signer;
    private final PacketProperties properties;

    PacketController(PacketStore store, PacketUrlSigner signer, PacketProperties properties) {
        this.store = store;
        this.signer = signer;
        this.properties = properties;
    }

    @PutMapping("/api/v2/packets/{path}")
    PresignedUpload presignUpload(AuthenticatedEnvironment env, @PathVariable String path) {
        String checked = checkPath(path);
        return new PresignedUpload(store.uploadUrl(env.id(), checked), checked);
    }

    /** v1 is the path the SDK asks when it imports an offloaded payload or output ({@code getPayloadUrl}). */
    @GetMapping({"/api/v2/packets/{path}", "/api/v1/packets/{path}"})
    PresignedDownload presignDownload(AuthenticatedEnvironment env, @PathVariable String path) {
        return new PresignedDownload(store.downloadUrl(env.id(), checkPath(path)));
    }

    @PutMapping("/packets/v1/{token}")
    ResponseEntity<Void> upload(@PathVariable String token, HttpServletRequest request) throws IOException {
        PacketUrlSigner.Grant grant = signer.verify(PacketUrlSigner.Operation.PUT, token)
                .orElseThrow(() -> new ApiException(HttpStatus.FORBIDDEN, "Invalid or expired upload URL"));
        long declared = request.getContentLengthLong();
        if (declared > properties.maxBytes()) {
            throw new PayloadTooLargeException(properties.maxBytes());
        }
        byte[] content = readLimited(request.getInputStream(), properties.maxBytes());
        String contentType = request.getContentType() == null ? MediaType.APPLICATION_JSON_VALUE : request.getContentType();
        store.save(grant.environmentId(), grant.path(), content, contentType);
        return ResponseEntity.ok().build();
    }

    @GetMapping("/packets/v1/{token}")
    ResponseEntity<byte[]> download(@PathVariable String token) {
        PacketUrlSigner.Grant grant = signer.verify(PacketUrlSigner.Operation.GET, token)
                .orElseThrow(() -> new ApiException(HttpStatus.FORBIDDEN, "Invalid or expired download URL"));
        PacketStore.StoredPacket packet = store.load(grant.environmentId(), grant.path())
                .orElseThrow(() -> ApiException.notFound("Packet not found"));
        return ResponseEntity.ok().contentType(MediaType.parseMediaType(packet.contentType())).body(packet.content());
    }

    private static String checkPath(String path) {
        if (path == null || path.isBlank() || path.length() > MAX_PATH_LENGTH || path.contains("..")
                || path.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("Invalid packet path");
        }
        return path;
    }

    private static byte[] readLimited(InputStream in, long max) throws IOException {
        byte[] data = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
        if (data.length > max) {
            throw new PayloadTooLargeException(max);
        }
        return data;
    }

    /**
     * @param presignedUrl where to PUT the packet body (no auth header)
     * @param storagePath  the path to send as the trigger payload with {@code payloadType: application/store}
     */
    record PresignedUpload(String presignedUrl, String storagePath) {
    }

    /** @param presignedUrl where to GET the packet body (no auth header) */
    record PresignedDownload(String presignedUrl) {
    }
}
