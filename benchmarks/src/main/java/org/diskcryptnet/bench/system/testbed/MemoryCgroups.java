package org.diskcryptnet.bench.system.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory cgroups for the servers: the cache-cold column bounds how much page cache a server may keep (the kernel
 * charges a page-cache page to the cgroup of the task that faulted it in, and reclaims within the cgroup's limit:
 * Documentation/admin-guide/cgroup-v1/memory.rst §2.2, cgroup-v2.rst "Memory Ownership"). Each server's cgroup also
 * tells how much page cache it holds at the end of a run.
 *
 * <p>The cgroups are made below this process's own memory cgroup (the delegation pattern), never elsewhere in the
 * hierarchy, and removed afterwards. cgroup v1 ({@code memory.limit_in_bytes}) and v2 ({@code memory.max}) are both
 * understood; where neither is usable, {@link #unavailabilityCause()} says why and the cold column runs unbounded.
 */
public final class MemoryCgroups {

    private final Path base;        // the directory our own children go into, or null
    private final boolean v2;
    private final String unavailabilityCause;

    private MemoryCgroups(Path base, boolean v2, String cause) {
        this.base = base;
        this.v2 = v2;
        this.unavailabilityCause = cause;
    }

    /** Finds our own memory cgroup and makes {@code dcnb-PID} below it. */
    public static MemoryCgroups create(Cleanup cleanup) {
        String tag = "dcnb-" + ProcessHandle.current().pid();
        try {
            String v1Path = null;
            String v2Path = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length == 3 && List.of(f[1].split(",")).contains("memory")) {
                    v1Path = f[2];
                } else if (f.length == 3 && f[0].equals("0") && f[1].isEmpty()) {
                    v2Path = f[2];
                }
            }
            Path parent;
            boolean v2;
            if (v1Path != null && Files.isRegularFile(Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes"))) {
                parent = Path.of("/sys/fs/cgroup/memory" + v1Path);
                v2 = false;
            } else if (v2Path != null && Files.isRegularFile(Path.of("/sys/fs/cgroup/cgroup.controllers"))
                    && Files.readString(Path.of("/sys/fs/cgroup/cgroup.controllers")).contains("memory")) {
                parent = Path.of("/sys/fs/cgroup" + v2Path);
                v2 = true;
                if (!Files.readString(parent.resolve("cgroup.subtree_control")).contains("memory")) {
                    return new MemoryCgroups(null, true, "the cgroup v2 memory controller is not enabled for children of "
                            + parent + " (cgroup.subtree_control)");
                }
            } else {
                return new MemoryCgroups(null, false, "no memory cgroup controller is mounted (neither v1 nor v2)");
            }
            Path base = parent.resolve(tag);
            Files.createDirectory(base);
            MemoryCgroups groups = new MemoryCgroups(base, v2, null);
            cleanup.add("cgroup " + base, "cgroup " + base, () -> groups.remove(base));
            return groups;
        } catch (IOException | RuntimeException e) {
            return new MemoryCgroups(null, false, "cannot make a memory cgroup: " + e);
        }
    }

    public boolean available() {
        return base != null;
    }

    public String unavailabilityCause() {
        return unavailabilityCause;
    }

    /** A child cgroup for one server, removed (its tasks killed first) by the cleanup. Null if unavailable. */
    public Group group(String name, Cleanup cleanup) throws IOException {
        if (base == null) {
            return null;
        }
        Path dir = base.resolve(name);
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir);
            cleanup.add("cgroup " + dir, "cgroup " + dir, () -> remove(dir));
        }
        return new Group(dir, v2);
    }

    /** Kills the tasks left in {@code dir} and its children and removes them; what is already gone is fine. */
    private void remove(Path dir) throws IOException, InterruptedException {
        for (int attempt = 0; attempt < 50; attempt++) {
            if (!Files.isDirectory(dir)) {
                return;
            }
            try (var children = Files.list(dir)) {
                for (Path child : children.filter(Files::isDirectory).toList()) {
                    remove(child);
                }
            } catch (java.nio.file.NoSuchFileException gone) {
                return;
            }
            for (long pid : new Group(dir, v2).pids()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException busy) {
                Thread.sleep(100);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** One server's memory cgroup. */
    public record Group(Path dir, boolean v2) {

        /** The file a shell writes {@code $$} into to join. */
        public Path procsFile() {
            return dir.resolve("cgroup.procs");
        }

        /** Bounds the memory (page cache included) of the tasks in it; {@code -1} lifts the bound. */
        public void limit(long bytes) throws IOException {
            if (v2) {
                Files.writeString(dir.resolve("memory.max"), bytes < 0 ? "max" : Long.toString(bytes));
            } else {
                Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(bytes));
            }
        }

        /** Bytes charged to the group other than page cache (anonymous memory, kernel memory); -1 if unreadable. */
        public long nonCacheBytes() {
            try {
                long usage = Long.parseLong(Files.readString(dir.resolve(v2 ? "memory.current" : "memory.usage_in_bytes")).strip());
                return Math.max(0, usage - pageCacheBytes());
            } catch (IOException | NumberFormatException e) {
                return -1;
            }
        }

        /** Page-cache bytes charged to the group now (v1 {@code cache}, v2 {@code file} in memory.stat). */
        public long pageCacheBytes() {
            try {
                String key = v2 ? "file" : "cache";
                for (String line : Files.readAllLines(dir.resolve("memory.stat"))) {
                    String[] f = line.split(" ");
                    if (f.length == 2 && f[0].equals(key)) {
                        return Long.parseLong(f[1]);
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // the group is gone: nothing charged
            }
            return 0;
        }

        public List<Long> pids() {
            List<Long> pids = new ArrayList<>();
            List<String> lines;
            try {
                lines = Files.readAllLines(procsFile());
            } catch (IOException gone) {
                return pids;
            }
            for (String line : lines) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.trim()));
                }
            }
            return pids;
        }
    }
}
