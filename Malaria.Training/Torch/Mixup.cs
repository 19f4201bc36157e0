namespace Malaria.Training.Torch;

/// <summary>A training batch blended by <see cref="Mixup"/>: image i is <c>Weight</c> of the cell labelled <c>Labels[i]</c> plus the rest of the one labelled <c>PartnerLabels[i]</c>.</summary>
internal sealed record MixedBatch(float[] Pixels, long[] Labels, long[] PartnerLabels, double Weight);

/// <summary>
/// Mixup (Zhang et al., 2018): a training batch becomes lambda * x + (1 - lambda) * x[shuffled], with lambda drawn
/// from Beta(alpha, alpha) once per batch, and the loss weighs the two cells' labels by lambda and 1 - lambda. A crop
/// is then mostly seen blended with others, so a wrongly labelled one (the NIH labels have a few) is harder to
/// memorise. lambda is folded to at least 0.5, so <see cref="MixedBatch.Labels"/> names the larger part of each image.
/// </summary>
internal sealed record Mixup(double Alpha)
{
    /// <summary>Blends <paramref name="batch"/> (images of <paramref name="imageFloats"/> floats each) with a shuffle of itself.</summary>
    public MixedBatch Mix(Batch batch, int imageFloats, Random random)
    {
        var n = batch.Labels.Length;
        var beta = SampleBeta(Alpha, random);
        var weight = Math.Max(beta, 1 - beta);
        var partner = Enumerable.Range(0, n).ToArray();
        random.Shuffle(partner);

        var pixels = new float[batch.Pixels.Length];
        var partnerLabels = new long[n];
        var (w, rest) = ((float)weight, (float)(1 - weight));
        for (var i = 0; i < n; i++)
        {
            var own = batch.Pixels.AsSpan(i * imageFloats, imageFloats);
            var other = batch.Pixels.AsSpan(partner[i] * imageFloats, imageFloats);
            var target = pixels.AsSpan(i * imageFloats, imageFloats);
            for (var k = 0; k < imageFloats; k++) target[k] = w * own[k] + rest * other[k];
            partnerLabels[i] = batch.Labels[partner[i]];
        }
        return new MixedBatch(pixels, batch.Labels, partnerLabels, weight);
    }

    /// <summary>A Beta(a, a) draw, as X / (X + Y) of two Gamma(a) draws.</summary>
    public static double SampleBeta(double a, Random random)
    {
        while (true)
        {
            var x = SampleGamma(a, random);
            var y = SampleGamma(a, random);
            // Both can underflow to zero for a very small a; draw again rather than divide zero by zero.
            if (x + y > 0) return x / (x + y);
        }
    }

    /// <summary>Marsaglia and Tsang's Gamma(shape, 1) sampler; a shape below 1 draws Gamma(shape + 1) and scales it by U^(1/shape).</summary>
    private static double SampleGamma(double shape, Random random)
    {
        if (shape < 1) return SampleGamma(shape + 1, random) * Math.Pow(1 - random.NextDouble(), 1 / shape);
        var d = shape - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            var x = SampleNormal(random);
            var v = 1 + c * x;
            if (v <= 0) continue;
            v = v * v * v;
            var u = 1 - random.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    /// <summary>A standard normal draw (Box-Muller).</summary>
    private static double SampleNormal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
