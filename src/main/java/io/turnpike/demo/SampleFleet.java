package io.turnpike.demo;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every sample service, each with the same number of nodes ({@code users-1}, {@code users-2}, ...). */
public final class SampleFleet implements AutoCloseable {
    private final Map<SampleKind, List<SampleService>> nodes = new EnumMap<>(SampleKind.class);

    private SampleFleet() {}

    public static SampleFleet start(int nodesPerService) throws InterruptedException {
        SampleFleet fleet = new SampleFleet();
        try {
            for (SampleKind kind : SampleKind.values()) {
                List<SampleService> list = new ArrayList<>();
                fleet.nodes.put(kind, list);
                for (int i = 1; i <= nodesPerService; i++) {
                    list.add(new SampleService(kind, kind.id() + "-" + i).start());
                }
            }
        } catch (InterruptedException | RuntimeException e) {
            fleet.close();
            throw e;
        }
        return fleet;
    }

    public List<SampleService> nodes(SampleKind kind) {
        return List.copyOf(nodes.get(kind));
    }

    /** Node ports by service id, in {@link SampleKind} order. */
    public Map<String, List<Integer>> ports() {
        Map<String, List<Integer>> ports = new LinkedHashMap<>();
        nodes.forEach((kind, list) -> ports.put(kind.id(), list.stream().map(SampleService::port).toList()));
        return ports;
    }

    @Override
    public void close() {
        nodes.values().forEach(list -> list.forEach(SampleService::close));
    }
}
