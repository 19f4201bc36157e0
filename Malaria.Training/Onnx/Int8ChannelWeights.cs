namespace Malaria.Training.Onnx;

/// <summary>
/// Weights quantised per output channel (axis 0), symmetric int8: w = q * Scales[c], q in -127..127, zero point 0.
/// Symmetric because the integer kernels then need no weight zero-point correction; -128 is left out so the range is
/// symmetric, as ONNX Runtime's own quantiser does. Each channel's values are within Scales[c] / 2 of the original.
/// </summary>
internal sealed record Int8ChannelWeights(sbyte[] Values, float[] Scales)
{
    public const int Limit = 127;

    /// <summary>Quantises <paramref name="weights"/>, laid out channel by channel (<paramref name="channels"/> equal blocks).</summary>
    public static Int8ChannelWeights Quantize(ReadOnlySpan<float> weights, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (weights.Length % channels != 0)
            throw new ArgumentException($"{weights.Length} weights do not split into {channels} channels.", nameof(weights));
        var perChannel = weights.Length / channels;
        var values = new sbyte[weights.Length];
        var scales = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            var block = weights.Slice(c * perChannel, perChannel);
            var largest = 0f;
            foreach (var w in block) largest = Math.Max(largest, Math.Abs(w));
            // An all-zero channel: every scale represents it exactly; 1 keeps the bias scale (input scale x this) non-zero.
            var scale = largest > 0 ? largest / Limit : 1f;
            scales[c] = scale;
            for (var i = 0; i < perChannel; i++)
                values[c * perChannel + i] = (sbyte)Math.Clamp((int)MathF.Round(block[i] / scale, MidpointRounding.ToEven), -Limit, Limit);
        }
        return new Int8ChannelWeights(values, scales);
    }

    /// <summary>The real value of weight <paramref name="index"/> after quantisation.</summary>
    public float Dequantize(int index) => Values[index] * Scales[index / (Values.Length / Scales.Length)];
}
