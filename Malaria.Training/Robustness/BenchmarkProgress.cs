namespace Malaria.Training.Robustness;

/// <summary>Where a benchmark run is: which shift and severity, how many of its cells are scored, and how fast.</summary>
/// <param name="Step">1-based index of the (shift, severity) being scored.</param>
/// <param name="Steps">Number of (shift, severity) pairs, the clean set included.</param>
/// <param name="Shift">The shift's name (or <c>clean</c>).</param>
/// <param name="Severity">0 to 3.</param>
/// <param name="Done">Cells of this step scored so far.</param>
/// <param name="Total">Cells in the set.</param>
/// <param name="CellsPerSecond">Cells shifted and scored per second in this step so far.</param>
/// <param name="Finished">The step's result once all its cells are scored; null before.</param>
public sealed record BenchmarkProgress(int Step, int Steps, string Shift, int Severity, int Done, int Total, double CellsPerSecond, RobustnessRow? Finished);
