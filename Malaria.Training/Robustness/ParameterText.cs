using System.Globalization;

namespace Malaria.Training.Robustness;

/// <summary>Numbers in shift parameters as the report prints them, the same on every machine's culture.</summary>
internal static class ParameterText
{
    /// <summary>Up to three decimals, invariant culture: 0.85, 3.5, 30.</summary>
    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>A share as a whole percentage: 0.85 is "85 %".</summary>
    public static string Percent(double share) => (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";
}
