namespace Malaria.Training.Onnx;

/// <summary>
/// Per-tensor asymmetric uint8 quantisation of an activation: real = (q - ZeroPoint) * Scale, q in 0..255. The range
/// always includes 0, so zero (the convolutions' padding, a ReLU's floor) is exactly representable; a range that starts
/// at 0 gets zero point 0, so the quantiser's clamp at 0 is the ReLU itself.
/// </summary>
internal readonly record struct UInt8Quantization(float Scale, byte ZeroPoint)
{
    public static UInt8Quantization FromRange(ActivationRange range)
    {
        var min = Math.Min(0f, range.Min);
        var max = Math.Max(0f, range.Max);
        // A tensor that was always 0: any scale represents it; 1 keeps the arithmetic finite (as ONNX Runtime's tool does).
        if (max - min <= 0) return new UInt8Quantization(1f, 0);
        var scale = (max - min) / 255f;
        var zeroPoint = Math.Clamp((int)MathF.Round(-min / scale, MidpointRounding.ToEven), 0, 255);
        return new UInt8Quantization(scale, (byte)zeroPoint);
    }
}
