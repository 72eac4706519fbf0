package io.turnpike.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.turnpike.core.PolicyCall;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sets fields of a JSON request body from request values ({@code body: { set: { user.id:
 * "{claim.sub}" } }}), compiled once. An empty body counts as {@code {}}; anything but a JSON
 * object is refused (400), since the fields could not be set in it.
 */
final class RequestBodyEdit implements PolicyCall.BodyEdit {
    private record Field(List<String> parents, String name, Template value) {}

    private final List<Field> fields = new ArrayList<>();
    private final long maxBytes;

    RequestBodyEdit(Map<String, String> set, long maxBytes) {
        this.maxBytes = maxBytes;
        set.forEach((path, template) -> {
            List<String> steps = FieldPath.parse(path);
            fields.add(new Field(steps.subList(0, steps.size() - 1), steps.get(steps.size() - 1),
                    Template.compile(template)));
        });
    }

    @Override
    public long maxBytes() {
        return maxBytes;
    }

    @Override
    public byte[] apply(ByteBuf body, PolicyCall call) {
        JsonNode root;
        if (!body.isReadable()) {
            root = ResponseShaper.JSON.createObjectNode();
        } else {
            try (InputStream in = new ByteBufInputStream(body.duplicate())) {
                root = ResponseShaper.JSON.readTree(in);
            } catch (IOException e) {
                throw new IllegalArgumentException("the body is not valid JSON, and this route sets fields in it");
            }
        }
        if (!(root instanceof ObjectNode obj)) {
            throw new IllegalArgumentException("the body is not a JSON object, and this route sets fields in it");
        }
        for (Field f : fields) {
            ObjectNode o = obj;
            for (String p : f.parents) {
                JsonNode next = o.get(p);
                o = next instanceof ObjectNode n ? n : o.putObject(p);
            }
            o.set(f.name, new TextNode(f.value.render(call, null)));
        }
        try {
            return ResponseShaper.JSON.writeValueAsBytes(obj);
        } catch (IOException e) {
            throw new IllegalArgumentException("the edited body could not be written");
        }
    }
}
