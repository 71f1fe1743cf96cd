package dev.triggerapi.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;

/**
 * CPU time of this JVM at one moment: the whole process and the Tomcat request threads, plus the JIT's
 * accumulated compilation time. The difference of two snapshots says where the CPU of a load phase went.
 *
 * @param wallNanos    {@link System#nanoTime()} when taken
 * @param processNanos CPU time of the whole process
 * @param requestNanos CPU time of Tomcat's request threads ({@code http-nio-…-exec-…}, long-lived, so none is lost
 *                     to a thread ending between two snapshots)
 * @param jitMillis    the JIT compilers' total compilation time (compiler threads are hidden from the thread bean)
 */
record CpuSnapshot(long wallNanos, long processNanos, long requestNanos, long jitMillis) {

    static CpuSnapshot take() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long request = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            String name = info.getThreadName();
            if (name.startsWith("http-nio-") && name.contains("-exec-")) {
                request += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        long process = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return new CpuSnapshot(System.nanoTime(), process, request,
                jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1);
    }
}
