namespace Malaria.Training.Robustness;

/// <summary>What a report names so its numbers can be traced and rerun: the model, the data, the command, the seed, the time taken.</summary>
/// <param name="Model">The model in words, e.g. <c>built-in default (version 1a2b...)</c>.</param>
/// <param name="Data">The cells in words, e.g. the split file and part.</param>
/// <param name="Command">The command line that produced the report.</param>
/// <param name="Seed">The seed of every shift's random draws.</param>
/// <param name="Elapsed">Wall-clock time of the decoding and scoring.</param>
public sealed record RobustnessRunInfo(string Model, string Data, string Command, int Seed, TimeSpan Elapsed);
