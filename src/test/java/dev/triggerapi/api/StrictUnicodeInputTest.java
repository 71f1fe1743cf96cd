package dev.triggerapi.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Unicode check on its own, with the stream handed over one byte per read to cross every boundary. */
class StrictUnicodeInputTest {

    private final JsonMapper mapper = JsonMapper.builder(JsonFactory.builder().inputDecorator(new StrictUnicodeInput())
            .build()).build();

    @ParameterizedTest
    @ValueSource(strings = {"{\"k\":\"\\ud800\"}", "{\"k\":\"\\udfff\"}", "{\"k\":\"\\ud800\\u0041\"}",
            "{\"k\":\"\\ud800x\"}", "{\"k\":\"\\udc00\\ud800\"}", "{\"k\":\"\\ud83d\\\\ude00\"}", "{\"\\udbff\":1}",
            "{\"k\":\"\\uD800\\n\"}"})
    void loneSurrogateEscapesAreRefusedWhereverTheReadsSplit(String json) {
        assertThatThrownBy(() -> mapper.readTree(trickle(json.getBytes(StandardCharsets.UTF_8))))
                .hasRootCauseInstanceOf(InvalidUnicodeException.class);
        assertThatThrownBy(() -> mapper.readTree(json)).hasRootCauseInstanceOf(InvalidUnicodeException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"k\":\"\\ud83d\\ude00\"}", "{\"k\":\"\\\\ud800\"}", "{\"k\":\"\\\\\\\\ud800\"}",
            "{\"k\":\"\\u00e9\\uFFFF\"}", "{\"k\":\"😀 é 漢\"}"})
    void pairsEscapedBackslashesAndOrdinaryTextPass(String json) throws Exception {
        JsonNode fromBytes = mapper.readTree(trickle(json.getBytes(StandardCharsets.UTF_8)));
        assertThat(fromBytes).isEqualTo(JsonMapper.builder().build().readTree(json));
        assertThat(mapper.readTree(json)).isEqualTo(fromBytes);
    }

    @Test
    void nonStrictUtf8IsRefusedEvenWhereJacksonWouldAcceptIt() {
        for (byte[] bad : new byte[][] {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xE0, (byte) 0x80, (byte) 0x80},
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                {(byte) 0xF0, (byte) 0x9F}}) {
            byte[] body = new byte[bad.length + 10];
            System.arraycopy("{\"k\":\"".getBytes(StandardCharsets.UTF_8), 0, body, 0, 6);
            System.arraycopy(bad, 0, body, 6, bad.length);
            System.arraycopy("\"}".getBytes(StandardCharsets.UTF_8), 0, body, 6 + bad.length, 2);
            byte[] exact = java.util.Arrays.copyOf(body, bad.length + 8);
            assertThatThrownBy(() -> mapper.readTree(trickle(exact))).hasRootCauseInstanceOf(InvalidUnicodeException.class);
        }
    }

    @Test
    void rawSurrogatesFromCharacterInputMustBePaired() throws Exception {
        assertThatThrownBy(() -> mapper.readTree(new StringReader("{\"k\":\"\uD800\"}")))
                .hasRootCauseInstanceOf(InvalidUnicodeException.class);
        assertThat(mapper.readTree(new StringReader("{\"k\":\"\uD83D\uDE00\"}")).get("k").stringValue())
                .isEqualTo("\uD83D\uDE00");
    }

    /** Hands the bytes over one at a time, so every multi-byte sequence and escape is split across reads. */
    private static InputStream trickle(byte[] bytes) {
        return new FilterInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                return super.read(b, off, Math.min(len, 1));
            }
        };
    }
}
