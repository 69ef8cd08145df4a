package org.sockwarden.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DockerErrorTest {

    @Test
    void theMessageComesBackExactlyFromStrictJson() throws Exception {
        JsonFactory strict = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        for (String message : List.of("sockwarden: client \"ci\" may not call networks.list", "path /a\\b\u0000\n\r\t\u001b[1m",
                "Grüße 漢字 \ud83d\ude00", "lone \ud800 surrogate", "\"}{\"message\":\"forged", "")) {
            byte[] body = DockerError.body(message);
            assertThat(new String(body, StandardCharsets.UTF_8)).startsWith("{\"message\":").endsWith("}\n").containsOnlyOnce("\n");
            try (JsonParser p = strict.createParser(body)) {
                assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
                assertThat(p.nextFieldName()).isEqualTo("message");
                assertThat(p.nextToken()).isEqualTo(JsonToken.VALUE_STRING);
                assertThat(p.getText()).isEqualTo(message);
                assertThat(p.nextToken()).isEqualTo(JsonToken.END_OBJECT);
                assertThat(p.nextToken()).isNull();
            }
        }
    }
}
