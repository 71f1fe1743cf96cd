package dev.triggerapi.packet;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Signs and verifies the short-lived tokens in presigned packet URLs: {@code base64url(op|env|path|expiry)}
 * + {@code .} + {@code base64url(HMAC-SHA256)}. The upload and download endpoints take no Authorization
 * header (the SDK sends none), so the token alone must prove which environment and path it is for.
 */
@Component
class PacketUrlSigner {

    private static final Logger log = LoggerFactory.getLogger(PacketUrlSigner.class);
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final byte[] secret;
    private final Clock clock;

    PacketUrlSigner(PacketProperties properties, Clock clock) {
        this.clock = clock;
        if (properties.signingSecret().isBlank()) {
            log.warn("PACKETS_SIGNING_SECRET is not set: presigned packet URLs use a random per-process secret "
                    + "and only work on the instance that issued them");
            this.secret = new byte[32];
            new SecureRandom().nextBytes(this.secret);
        } else {
            this.secret = properties.signingSecret().getBytes(StandardCharsets.UTF_8);
        }
    }

    String sign(Operation op, String environmentId, String path, Instant expiresAt) {
        String payload = op.name() + "|" + environmentId + "|" + expiresAt.getEpochSecond() + "|" + path;
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(body) + "." + ENCODER.encodeToString(mac(body));
    }

    /** The grant a token carries, if its signature is valid, it is for {@code op}, and it has not expired. */
    Optional<Grant> verify(Operation op, String token) {
        int dot = token == null ? -1 : token.indexOf('.');
        if (dot <= 0 || token.length() > 8192) {
            return Optional.empty();
        }
        try {
            byte[] body = DECODER.decode(token.substring(0, dot));
            byte[] signature = DECODER.decode(token.substring(dot + 1));
            if (!MessageDigest.isEqual(mac(body), signature)) {
                return Optional.empty();
            }
            String[] parts = new String(body, StandardCharsets.UTF_8).split("\\|", 4);
            if (parts.length != 4 || !parts[0].equals(op.name())) {
                return Optional.empty();
            }
            Instant expires = Instant.ofEpochSecond(Long.parseLong(parts[2]));
            if (!clock.instant().isBefore(expires)) {
                return Optional.empty();
            }
            return Optional.of(new Grant(parts[1], parts[3]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private byte[] mac(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }

    enum Operation { PUT, GET }

    record Grant(String environmentId, String path) {
    }
}
