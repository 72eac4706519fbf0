package io.turnpike.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * How a schema comes out of a binder: what it reads is what the schema allows, and every branch it
 * takes on a value's shape is walked. The binders here are small stand-ins for the config's.
 */
class RecordingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ConfigReference NO_DOCS = ConfigReference.parse("");

    private static JsonNode schema(Consumer<ConfigNode> binder) throws Exception {
        return JSON.readTree(ConfigSchema.write(ConfigSchema.record(binder, NO_DOCS).document()));
    }

    @Test
    void aKeyABinderAcceptsIsInTheSchemaAndNoOtherKeyIs() throws Exception {
        JsonNode s = schema(root -> {
            root.checkKeys(List.of("port", "mode", "newKey"), Map.of("tls", "not yet"));
            root.get("port").integer(1, 65535, 8080);
            root.get("mode").choice(Leaf.words("fast", "safe"), "safe", "fast or safe", "fast or safe");
            root.get("newKey").duration(null, false);
        });
        assertThat(s.get("additionalProperties").asBoolean(true)).isFalse();
        assertThat(s.get("properties").properties()).extracting(Map.Entry::getKey).containsExactly("port", "mode", "newKey");
        assertThat(s.at("/properties/port/anyOf/0/maximum").asInt()).isEqualTo(65535);
        assertThat(s.at("/properties/mode/anyOf/0/enum").toString()).isEqualTo("[\"fast\",\"safe\"]");
        assertThat(s.at("/properties/newKey/anyOf/0/pattern").asText()).contains("ms|s|m|h|d");
        // ${NAME} may stand for any of them
        assertThat(s.at("/properties/port/anyOf").toString()).contains("\\\\$\\\\{");
    }

    @Test
    void bothShapesABinderTellsApartAreAllowed() throws Exception {
        JsonNode s = schema(root -> {
            root.checkKeys(List.of("rate"), Map.of());
            ConfigNode rate = root.get("rate");
            if (rate.isScalar()) {
                rate.choice(Leaf.words("off"), null, "off or a mapping", "off or a mapping");
            } else {
                rate.checkKeys(List.of("perSecond"), Map.of());
                rate.get("perSecond").integer(0, 1000, 240);
            }
        });
        JsonNode shapes = s.at("/properties/rate/anyOf");
        assertThat(shapes.toString()).contains("\"enum\":[\"off\"]").contains("\"perSecond\"");
    }

    @Test
    void aKeyIsRequiredOnlyWhereEveryBranchRequiresIt() throws Exception {
        JsonNode s = schema(root -> {
            root.checkKeys(List.of("id", "service", "aggregate"), Map.of());
            root.require("id", "an id").text("an id");
            if (!root.entries().containsKey("aggregate")) root.require("service", "a service").text("a service");
            root.get("aggregate").recordsAnyValue();
        });
        assertThat(s.get("required").toString()).isEqualTo("[\"id\"]");
    }

    @Test
    void aMappingOfNamesHasItsValuesShape() throws Exception {
        JsonNode s = schema(root -> root.entries().forEach((name, e) -> {
            e.value().checkKeys(List.of("nodes"), Map.of());
            for (ConfigNode n : e.value().get("nodes").items("a list", true)) n.text("a URL");
        }));
        JsonNode service = s.get("additionalProperties");
        assertThat(service.at("/properties/nodes/anyOf/0/type").asText()).isEqualTo("array");
        assertThat(service.at("/properties/nodes/anyOf/1/type").toString()).contains("string"); // a lone node
    }
}
