namespace Malaria.Training.Torch;

/// <summary>
/// Training-time augmentation for cell crops, which have no canonical orientation: one of the 8 flips/90-degree
/// rotations, plus a small brightness, contrast and per-channel gain jitter (stain and illumination vary between
/// slides), and optionally a random translation by up to <see cref="Shift"/> pixels (the crops are centred by the
/// segmentation that cut them; a shift teaches the network not to rely on that). Works on planar bytes, writes
/// raw-scale floats (0..255) for the network's own normalisation.
/// </summary>
internal sealed record Augmentation(bool Enabled = true, float Brightness = 0.1f, float Contrast = 0.1f, float ChannelGain = 0.05f, int Shift = 0,
    DomainAugmentation? Domain = null)
{
    /// <summary>No augmentation: a plain byte-to-float copy (validation and test).</summary>
    public static readonly Augmentation None = new(Enabled: false);

    /// <summary>The default brightness and contrast amplitude (channel gains get half of it).</summary>
    public const float DefaultColorJitter = 0.1f;

    /// <summary>Flips and rotations with colour jitter of the given strength (0 keeps the geometry only).</summary>
    public static Augmentation WithColorJitter(double strength)
    {
        if (strength is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(strength), strength, "Colour jitter must be between 0 and 1.");
        return new Augmentation(Brightness: (float)strength, Contrast: (float)strength, ChannelGain: (float)strength / 2);
    }

    /// <summary>The largest <see cref="Shift"/> for <paramref name="imageSize"/>: a quarter of the side, so most of the cell stays in view.</summary>
    public static int MaxShift(int imageSize) => imageSize / 4;

    /// <summary>
    /// Writes the (possibly transformed) image <paramref name="source"/> (3 planes of size x size bytes) into
    /// <paramref name="target"/>. <paramref name="neighbour"/> draws another training image, for <see cref="Domain"/>'s
    /// neighbouring cells; without it the domain departures place none.
    /// </summary>
    public void Apply(ReadOnlySpan<byte> source, Span<float> target, int size, Random random, Func<Random, ReadOnlyMemory<byte>>? neighbour = null)
    {
        var plane = size * size;
        if (!Enabled)
        {
            for (var i = 0; i < 3 * plane; i++) target[i] = source[i];
            return;
        }
        if (Domain is not null)
        {
            // Drawn first and only when on, so runs without it keep the random stream (and results) they had before.
            var shifted = source.ToArray();
            Domain.Apply(shifted, size, random, neighbour, new byte[shifted.Length]);
            source = shifted;
        }
        var transform = random.Next(8);
        var contrast = 1f + Contrast * (2f * random.NextSingle() - 1f);
        var brightness = 255f * Brightness * (2f * random.NextSingle() - 1f);
        Span<float> gain = stackalloc float[3];
        for (var c = 0; c < 3; c++) gain[c] = 1f + ChannelGain * (2f * random.NextSingle() - 1f);
        // Drawn only when on, so runs without a shift keep the random stream (and results) they had before it existed.
        var (dy, dx) = Shift > 0 ? (random.Next(-Shift, Shift + 1), random.Next(-Shift, Shift + 1)) : (0, 0);
        var last = size - 1;
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var t = y * size + x;
                // The shifted image: (y, x) shows (y - dy, x - dx); what comes in from outside is black, the crops' background.
                int py = y - dy, px = x - dx;
                var inside = (uint)py < (uint)size && (uint)px < (uint)size;
                // It reads source (sy, sx) under one of the 8 symmetries of the square.
                var (sy, sx) = transform switch
                {
                    0 => (py, px),
                    1 => (py, last - px),
                    2 => (last - py, px),
                    3 => (last - py, last - px),
                    4 => (px, py),
                    5 => (px, last - py),
                    6 => (last - px, py),
                    _ => (last - px, last - py),
                };
                var s = sy * size + sx;
                for (var c = 0; c < 3; c++)
                {
                    var v = (((inside ? source[c * plane + s] : 0) - 128f) * contrast + 128f + brightness) * gain[c];
                    target[c * plane + t] = Math.Clamp(v, 0f, 255f);
                }
            }
        }
    }
}
