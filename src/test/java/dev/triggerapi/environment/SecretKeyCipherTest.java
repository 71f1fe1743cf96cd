package dev.triggerapi.environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

import org.junit.jupiter.api.Test;

class SecretKeyCipherTest {

    private final SecretKeyCipher cipher = SecretKeyCipher.fromConfiguration(CredentialProperties.generateEncryptionKey());

    @Test
    void sealedKeyOpensWithTheSameKekAndRowAndHidesThePlaintext() throws Exception {
        byte[] sealed = cipher.seal("tr_prod_secret123", "env1:key1");

        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("secret123");
        assertThat(cipher.open(sealed, "env1:key1")).isEqualTo("tr_prod_secret123");
    }

    @Test
    void sealingTwiceGivesDifferentCiphertexts() {
        assertThat(cipher.seal("tr_prod_x", "a:b")).isNotEqualTo(cipher.seal("tr_prod_x", "a:b"));
    }

    @Test
    void ciphertextMovedToAnotherRowDoesNotOpen() {
        byte[] sealed = cipher.seal("tr_prod_secret", "env1:key1");

        assertThatThrownBy(() -> cipher.open(sealed, "env2:key1")).isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void anotherKekCannotOpenIt() {
        SecretKeyCipher other = SecretKeyCipher.fromConfiguration(CredentialProperties.generateEncryptionKey());
        byte[] sealed = cipher.seal("tr_prod_secret", "env1:key1");

        assertThat(other.keyId()).isNotEqualTo(cipher.keyId());
        assertThatThrownBy(() -> other.open(sealed, "env1:key1")).isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void missingOrMalformedKekIsAnErrorNamingTheSetting() {
        assertThatThrownBy(() -> SecretKeyCipher.fromConfiguration(""))
                .hasMessageContaining("SECRET_KEY_ENCRYPTION_KEY").hasMessageContaining("not set");
        assertThatThrownBy(() -> SecretKeyCipher.fromConfiguration("not base64!"))
                .hasMessageContaining("SECRET_KEY_ENCRYPTION_KEY");
        assertThatThrownBy(() -> SecretKeyCipher.fromConfiguration("c2hvcnQ="))
                .hasMessageContaining("SECRET_KEY_ENCRYPTION_KEY").hasMessageContaining("32 bytes");
    }
}
