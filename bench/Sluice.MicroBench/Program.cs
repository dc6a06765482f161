using BenchmarkDotNet.Running;
using Sluice.MicroBench;

// dotnet run -c Release --project bench/Sluice.MicroBench -- --filter '*' [--job short|Dry]
// BenchmarkSwitcher gives the usual BenchmarkDotNet command line (filters, jobs, exporters).
BenchmarkSwitcher.FromAssembly(typeof(ShuffleBenchmarks).Assembly).Run(args);
