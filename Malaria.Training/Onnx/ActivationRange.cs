namespace Malaria.Training.Onnx;

/// <summary>The smallest and largest value a tensor took over the calibration images.</summary>
internal readonly record struct ActivationRange(float Min, float Max)
{
    /// <summary>The range covering this one and <paramref name="other"/>.</summary>
    public ActivationRange Union(ActivationRange other) => new(Math.Min(Min, other.Min), Math.Max(Max, other.Max));

    /// <summary>The range of <paramref name="values"/>; NaN or infinite values fail, since no scale can hold them.</summary>
    public static ActivationRange Of(ReadOnlySpan<float> values, string tensor)
    {
        if (values.IsEmpty) throw new InvalidDataException($"Tensor '{tensor}' was empty during calibration.");
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) throw new InvalidDataException($"Tensor '{tensor}' held {v} during calibration; a quantisation range needs finite values.");
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return new ActivationRange(min, max);
    }
}
