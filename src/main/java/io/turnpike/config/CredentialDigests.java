package io.turnpike.config;

import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Turns the API keys of a consumer sent to the admin API into their digests before the entry is
 * stored: {@code {apiKey: K}} becomes {@code {apiKeyHash: sha256(K)}}, so the persisted overlay
 * (and anything shown from it) never holds a key. A key too short to be accepted is left as it is
 * for the loader to refuse with its usual message; a refused change is never stored. So is a key
 * with a {@code ${...}} in it: admin bodies are not expanded, and the loader refuses such a key.
 */
final class CredentialDigests {
    private static final int MIN_KEY = 16;

    private CredentialDigests() {}

    static Node hashApiKeys(Node consumer) {
        if (!(consumer instanceof MappingNode m)) return consumer;
        List<NodeTuple> tuples = new ArrayList<>(m.getValue().size());
        for (NodeTuple t : m.getValue()) {
            boolean credentials = t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("credentials");
            tuples.add(credentials && t.getValueNode() instanceof SequenceNode s
                    ? new NodeTuple(t.getKeyNode(), credentials(s)) : t);
        }
        return new MappingNode(m.getTag(), true, tuples, m.getStartMark(), m.getEndMark(), m.getFlowStyle());
    }

    private static SequenceNode credentials(SequenceNode list) {
        List<Node> items = new ArrayList<>(list.getValue().size());
        for (Node item : list.getValue()) items.add(credential(item));
        return new SequenceNode(list.getTag(), true, items, list.getStartMark(), list.getEndMark(), list.getFlowStyle());
    }

    private static Node credential(Node item) {
        if (!(item instanceof MappingNode m)) return item;
        List<NodeTuple> tuples = new ArrayList<>(m.getValue().size());
        for (NodeTuple t : m.getValue()) {
            String key = plainKey(t);
            if (key != null) {
                ScalarNode k = (ScalarNode) t.getKeyNode();
                tuples.add(new NodeTuple(Overlay.scalar("apiKeyHash", k.getStartMark()),
                        Overlay.scalar(ConsumersSection.sha256(key), t.getValueNode().getStartMark())));
            } else {
                tuples.add(t);
            }
        }
        return new MappingNode(m.getTag(), true, tuples, m.getStartMark(), m.getEndMark(), m.getFlowStyle());
    }

    /** The key of an {@code apiKey: K} pair as written; null when it is not one to hash. */
    private static String plainKey(NodeTuple t) {
        if (!(t.getKeyNode() instanceof ScalarNode k) || !k.getValue().equals("apiKey")) return null;
        if (!(t.getValueNode() instanceof ScalarNode v)) return null;
        String key = v.getValue();
        return key.length() >= MIN_KEY && !key.contains("${") ? key : null;
    }
}
