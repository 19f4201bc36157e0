using BenchmarkDotNet.Running;

// dotnet run -c Release --project Malaria.Benchmarks -- --filter '*'
// dotnet run -c Release --project Malaria.Benchmarks -- int8-ratio   (MALARIA_INT8_MODEL set; see Int8Ratio)
// dotnet run -c Release --project Malaria.Benchmarks -- latency [files] [rounds] [folder]   (see SingleImageLatency)
if (args is [Malaria.Benchmarks.Int8Ratio.Command, ..]) return Malaria.Benchmarks.Int8Ratio.Run(args);
if (args is [Malaria.Benchmarks.SingleImageLatency.Command, ..]) return Malaria.Benchmarks.SingleImageLatency.Run(args);
BenchmarkSwitcher.FromAssembly(typeof(Malaria.Benchmarks.BenchmarkImages).Assembly).Run(args, new Malaria.Benchmarks.ShortInProcessConfig());
return 0;
