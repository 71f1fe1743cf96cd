package dev.triggerapi.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.net.URI;
import java.time.Duration;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@IntegrationTest
class PacketFlowTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    JsonMapper json;
    @Autowired
    PacketStore store;

    private ProvisionedEnvironment env;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
    }

    private JsonNode presign(String method, String encodedPath) throws Exception {
        var request = method.equals("PUT") ? put(URI.create("/api/v2/packets/" + encodedPath))
                : get(URI.create("/api/v2/packets/" + encodedPath));
        String body = mvc.perform(request.header("Authorization", "Bearer " + env.secretKey())
                        .contentType("application/json"))
                .andExpect(status().isOk()).andReturn().getResponse().getContentAsString();
        return json.readTree(body);
    }

    private static String pathOf(String url) {
        return URI.create(url).getRawPath();
    }

    @Test
    void uploadThroughPresignedUrlThenDownloadWhileTheReplicaLags() throws Exception {
        Cluster.replicaDelay(Duration.ofMillis(500));
        JsonNode upload = presign("PUT", "trigger%2Fpacket_abc%2Fpayload.json");
        assertThat(upload.get("storagePath").asString()).isEqualTo("trigger/packet_abc/payload.json");

        String body = "{\"json\":{\"big\":\"" + "x".repeat(200_000) + "\"}}";
        mvc.perform(put(URI.create(pathOf(upload.get("presignedUrl").asString())))
                        .contentType("application/super+json").content(body))
                .andExpect(status().isOk());

        assertThat(store.exists(env.environment().id(), "trigger/packet_abc/payload.json")).isTrue();
        JsonNode download = presign("GET", "trigger%2Fpacket_abc%2Fpayload.json");
        mvc.perform(get(URI.create(pathOf(download.get("presignedUrl").asString()))))
                .andExpect(status().isOk())
                .andExpect(header().string("Content-Type", "application/super+json"))
                .andExpect(content().string(body));
    }

    @Test
    void forgedOrCrossOperationTokensAreRefused() throws Exception {
        JsonNode upload = presign("PUT", "p1");
        String uploadPath = pathOf(upload.get("presignedUrl").asString());
        mvc.perform(get(URI.create(uploadPath))).andExpect(status().isForbidden())
                .andExpect(jsonPath("$.error").value("Invalid or expired download URL"));
        String tampered = uploadPath.substring(0, uploadPath.length() - 3) + "abc";
        mvc.perform(put(URI.create(tampered)).content("{}")).andExpect(status().isForbidden());
    }

    @Test
    void packetOfAnotherEnvironmentIsNotVisible() throws Exception {
        JsonNode upload = presign("PUT", "p2");
        mvc.perform(put(URI.create(pathOf(upload.get("presignedUrl").asString()))).content("{}"))
                .andExpect(status().isOk());
        ProvisionedEnvironment other = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        assertThat(store.exists(other.environment().id(), "p2")).isFalse();
        assertThat(store.exists(env.environment().id(), "p2")).isTrue();
    }

    @Test
    void oversizedPacketIsA413() throws Exception {
        JsonNode upload = presign("PUT", "big");
        byte[] tooBig = new byte[10 * 1024 * 1024 + 1];
        mvc.perform(put(URI.create(pathOf(upload.get("presignedUrl").asString()))).content(tooBig))
                .andExpect(status().isContentTooLarge())
                .andExpect(jsonPath("$.error").exists());
    }
}
