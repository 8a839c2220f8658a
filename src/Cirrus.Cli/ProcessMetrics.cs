using Prometheus;

namespace Cirrus.Cli;

/// <summary>
/// The standard process_* metrics (CPU seconds, memory, threads, start time) in a custom registry: the
/// node's and the validator client's registries are private, so the library's default ones never reach them.
/// </summary>
internal static class ProcessMetrics
{
    public static void Register(CollectorRegistry registry)
    {
        // process_cpu_seconds_total, process_start_time_seconds, process_working_set_bytes, process_num_threads, ...
        DotNetStats.Register(registry);
        // the interop list names RSS process_resident_memory_bytes; the working set is the RSS on Linux
        var rss = Metrics.WithCustomRegistry(registry).CreateGauge("process_resident_memory_bytes", "Resident memory size in bytes.");
        registry.AddBeforeCollectCallback(() => rss.Set(Environment.WorkingSet));
    }
}
