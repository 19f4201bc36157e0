namespace Malaria.Training.Robustness;

/// <summary>One severity of a shift: its parameters as the report prints them, and the function applying them.</summary>
/// <param name="Severity">1 (mild), 2 (middle) or 3 (strong).</param>
/// <param name="Parameters">The parameters in words, made from the same table the function reads.</param>
/// <param name="Apply">Returns a new, shifted image; never changes its input.</param>
public sealed record ShiftLevel(int Severity, string Parameters, Func<CellPixels, ShiftContext, CellPixels> Apply);
