package dev.triggerapi.taskmeta;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class TaskMetadataCodecTest {

    private final TaskMetadataCodec codec = new TaskMetadataCodec(JsonMapper.builder().build());

    @Test
    void roundTripsCompactly() {
        TaskMetadata metadata = new TaskMetadata("10m", "SCHEDULED", "cq1", "hello");
        String encoded = codec.encode(metadata);
        assertThat(encoded).isEqualTo("{\"t\":\"10m\",\"s\":\"SCHEDULED\",\"q\":\"cq1\",\"n\":\"hello\"}");
        assertThat(codec.decode(encoded)).contains(metadata);
    }

    @Test
    void absentFieldsStayAbsent() {
        TaskMetadata metadata = new TaskMetadata(null, "STANDARD", null, null);
        assertThat(codec.encode(metadata)).isEqualTo("{\"s\":\"STANDARD\"}");
        assertThat(codec.decode("{\"s\":\"STANDARD\"}")).contains(metadata);
    }

    @Test
    void undecodableValuesAreMisses() {
        assertThat(codec.decode("not json")).isEmpty();
        assertThat(codec.decode("[1,2]")).isEmpty();
        assertThat(codec.decode("\"STANDARD\"")).isEmpty();
        assertThat(codec.decode("{\"t\":\"10m\"}")).isEmpty();
        assertThat(codec.decode("{\"s\":\"SOMETIMES\"}")).isEmpty();
        assertThat(codec.decode("{\"s\":\"STANDARD\",\"q\":42}")).isEmpty();
        assertThat(codec.decode("")).isEmpty();
    }
}
