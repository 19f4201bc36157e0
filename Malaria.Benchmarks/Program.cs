using BenchmarkDotNet.Running;

// dotnet run -c Release --project Malaria.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Malaria.Benchmarks.BenchmarkImages).Assembly).Run(args, new Malaria.Benchmarks.ShortInProcessConfig());
