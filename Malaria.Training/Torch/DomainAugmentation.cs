namespace Malaria.Training.Torch;

/// <summary>
/// Training-time departures from the NIH crops towards what another lab's crops look like (issue 31): a cell cut at
/// the crop's edge or small in its crop, plasma or parts of neighbouring cells where the NIH mask is black, and a
/// fainter, brighter, darker or differently saturated stain; from <see cref="V2"/> on also a crowded crop (the cell
/// among several close neighbours, as a bounding box cut from a dense smear shows it) and a different amount of each
/// Giemsa stain. Each is drawn independently per image with its own probability. Works on planar RGB bytes at the
/// training size, before the flips and jitter of <see cref="Augmentation"/>.
/// </summary>
/// <remarks>
/// Some shift families of the robustness benchmark are deliberately left out, so the benchmark still measures
/// generalisation on them: hue rotation, defocus, sensor noise, JPEG and resolution (and, for <see cref="V1"/>,
/// stain-vector jitter). The families trained here are drawn with their own ranges, not the benchmark's
/// (<c>Malaria.Training/Robustness</c>), and neighbours come from the training images only, of either class, so a
/// parasite in a neighbour never decides the label.
/// </remarks>
internal sealed record DomainAugmentation
{
    /// <summary>The probability of cutting one side (sometimes two) of the cell off and stretching the rest to the crop.</summary>
    public double EdgeCut { get; init; } = 0.25;

    /// <summary>The largest share of the side cut off.</summary>
    public double MaxCut { get; init; } = 0.35;

    /// <summary>The probability of shrinking the crop's content into a larger black frame (a loose crop).</summary>
    public double Shrink { get; init; } = 0.15;

    /// <summary>The smallest size of the shrunk content, as a share of the side.</summary>
    public double MinScale { get; init; } = 0.55;

    /// <summary>The probability of filling the black mask with plasma.</summary>
    public double Plasma { get; init; } = 0.35;

    /// <summary>Of the plasma-filled crops, the share that also get parts of 1-5 neighbouring training cells.</summary>
    public double Neighbours { get; init; } = 0.5;

    /// <summary>The probability of each of contrast, brightness, gamma and saturation changes on the cell.</summary>
    public double Intensity { get; init; } = 0.3;

    /// <summary>
    /// The probability of a crowded crop: plasma, then 3-8 neighbouring training cells spaced around the cell at 60-100 %
    /// of the distance at which they would touch it. Drawn before <see cref="Plasma"/>, which then does not apply.
    /// </summary>
    public double Crowd { get; init; }

    /// <summary>
    /// The probability of changing the amounts of the two Giemsa stains in the cell: each stain's optical density
    /// scaled by up to x1.3 or x1/1.3 and offset by up to ±0.08.
    /// </summary>
    public double Stain { get; init; }

    /// <summary>The version the model card records (<c>domainAugment</c>), so a later change of ranges is visible.</summary>
    public string Version { get; init; } = "v1";

    /// <summary>The first set: edge cuts, loose crops, plasma with sparse neighbours, intensity changes.</summary>
    public static readonly DomainAugmentation V1 = new();

    /// <summary><see cref="V1"/> plus crowded crops and stain amounts.</summary>
    public static readonly DomainAugmentation V2 = new() { Version = "v2", Crowd = 0.2, Stain = 0.3 };

    /// <summary>
    /// The set <c>--domain-augment</c> (and the CNN by default) trains with when no version is named: v2, adopted on
    /// fold 1 (docs/experiments/2026-12-02-domain-augmentation-v2.md).
    /// </summary>
    public static readonly DomainAugmentation Default = V2;

    private static readonly DomainAugmentation[] NamedSets = [V1, V2];

    /// <summary>The set named <paramref name="version"/> (<c>v1</c>, <c>v2</c>), or null when there is none of that name.</summary>
    public static DomainAugmentation? Named(string version) => NamedSets.FirstOrDefault(set => set.Version == version);

    /// <summary>The names <see cref="Named"/> knows.</summary>
    public static IReadOnlyList<string> Versions { get; } = NamedSets.Select(set => set.Version).ToArray();

    // A pixel is background (the NIH mask) when its channels sum below this; the library's near-black test uses 20
    // per channel, and smoothing at 64 px leaves dark fringes at the mask's edge that count as part background.
    private const float BackgroundSum = 45f;

    // The plasma colour of a Giemsa thin smear as the benchmark's plasma shift uses it; each image draws its own
    // variation around it, as stains and white balance differ.
    private static readonly float[] PlasmaColour = [228f, 210f, 204f];

    /// <summary>
    /// Applies the drawn departures to <paramref name="image"/> (3 planes of size x size bytes) in place.
    /// <paramref name="neighbour"/> returns the bytes of a random other training image (none are placed without it).
    /// </summary>
    public void Apply(Span<byte> image, int size, Random random, Func<Random, ReadOnlyMemory<byte>>? neighbour, Span<byte> scratch)
    {
        var plane = size * size;
        var roll = random.NextDouble();
        if (roll < EdgeCut) CutEdge(image, size, random, scratch);
        else if (roll < EdgeCut + Shrink) ShrinkIntoFrame(image, size, random, scratch);

        // Drawn only when the set has it, so v1 runs keep the random stream (and results) they had.
        if (Crowd > 0 && neighbour is not null && random.NextDouble() < Crowd) FillCrowded(image, size, random, neighbour);
        else if (random.NextDouble() < Plasma)
        {
            var withNeighbours = random.NextDouble() < Neighbours;
            FillBackground(image, size, random, withNeighbours ? neighbour : null);
        }
        if (Stain > 0 && random.NextDouble() < Stain) JitterStains(image, size, random);

        // Intensity changes act on the cell (and anything filled around it), never on black mask pixels, so a masked
        // crop stays masked.
        var contrast = random.NextDouble() < Intensity ? (float)Uniform(random, 0.35, 1.15) : 1f;
        var brightness = random.NextDouble() < Intensity ? (float)Uniform(random, -30, 45) : 0f;
        var gamma = random.NextDouble() < Intensity ? (float)Math.Exp(Uniform(random, Math.Log(0.7), Math.Log(2.2))) : 1f;
        var saturation = random.NextDouble() < Intensity ? (float)Math.Exp(Uniform(random, -Math.Log(2.2), Math.Log(2.2))) : 1f;
        if (contrast == 1f && brightness == 0f && gamma == 1f && saturation == 1f) return;

        Span<float> mean = stackalloc float[3];
        var count = 0;
        for (var i = 0; i < plane; i++)
        {
            if (IsBackground(image, i, plane)) continue;
            for (var c = 0; c < 3; c++) mean[c] += image[c * plane + i];
            count++;
        }
        if (count == 0) return;
        for (var c = 0; c < 3; c++) mean[c] /= count;

        // Contrast, brightness and gamma map each channel's byte value on its own: a 256-entry curve per channel
        // instead of a power per pixel.
        Span<float> curves = stackalloc float[3 * 256];
        for (var c = 0; c < 3; c++)
        {
            for (var value = 0; value < 256; value++)
            {
                var v = mean[c] + (value - mean[c]) * contrast + brightness;
                curves[c * 256 + value] = 255f * MathF.Pow(Math.Clamp(v, 0f, 255f) / 255f, gamma);
            }
        }
        Span<float> rgb = stackalloc float[3];
        for (var i = 0; i < plane; i++)
        {
            if (IsBackground(image, i, plane)) continue;
            for (var c = 0; c < 3; c++) rgb[c] = curves[c * 256 + image[c * plane + i]];
            var grey = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
            // Keep a changed pixel above the background sum, so a faint cell does not turn into mask.
            for (var c = 0; c < 3; c++)
                image[c * plane + i] = (byte)Math.Clamp(MathF.Round(grey + (rgb[c] - grey) * saturation), 16f, 255f);
        }
    }

    private static double Uniform(Random random, double low, double high) => low + (high - low) * random.NextDouble();

    private static bool IsBackground(ReadOnlySpan<byte> image, int i, int plane) =>
        image[i] + image[plane + i] + image[2 * plane + i] < BackgroundSum;

    /// <summary>A crop off centre, framed again by the library to what is left of the cell: one side (sometimes two) cut, the rest stretched to the crop.</summary>
    private void CutEdge(Span<byte> image, int size, Random random, Span<byte> scratch)
    {
        double top = 0, left = 0, bottom = 0, right = 0;
        var side = random.Next(4);
        var cut = Uniform(random, 0.05, MaxCut);
        switch (side)
        {
            case 0: top = cut; break;
            case 1: left = cut; break;
            case 2: bottom = cut; break;
            default: right = cut; break;
        }
        if (random.NextDouble() < 0.3)
        {
            var second = Uniform(random, 0.0, MaxCut / 2);
            if (side is 0 or 2) { if (random.Next(2) == 0) left = second; else right = second; }
            else { if (random.Next(2) == 0) top = second; else bottom = second; }
        }
        var y0 = top * size;
        var x0 = left * size;
        var height = (1 - top - bottom) * size;
        var width = (1 - left - right) * size;
        Resample(image, size, scratch, y0, x0, height / size, width / size, 0, 0, size);
        scratch.CopyTo(image);
    }

    /// <summary>A loose crop: the content shrunk to 55-95 % of the side, somewhere in a black frame.</summary>
    private void ShrinkIntoFrame(Span<byte> image, int size, Random random, Span<byte> scratch)
    {
        var scale = Uniform(random, MinScale, 0.95);
        var inner = Math.Max(8, (int)Math.Round(scale * size));
        var offsetY = random.Next(size - inner + 1);
        var offsetX = random.Next(size - inner + 1);
        scratch.Clear();
        Resample(image, size, scratch, 0, 0, (double)size / inner, (double)size / inner, offsetY, offsetX, inner);
        scratch.CopyTo(image);
    }

    /// <summary>
    /// Bilinear resampling: target pixel (offsetY + ty, offsetX + tx), ty and tx below <paramref name="extent"/>, reads
    /// the source at (y0 + (ty + 0.5) * stepY - 0.5, x0 + (tx + 0.5) * stepX - 0.5), edges clamped.
    /// </summary>
    private static void Resample(ReadOnlySpan<byte> source, int size, Span<byte> target, double y0, double x0, double stepY, double stepX,
        int offsetY, int offsetX, int extent)
    {
        var plane = size * size;
        var last = size - 1;
        for (var ty = 0; ty < extent; ty++)
        {
            var sy = Math.Clamp(y0 + (ty + 0.5) * stepY - 0.5, 0, last);
            var y1 = (int)sy;
            var y2 = Math.Min(y1 + 1, last);
            var fy = sy - y1;
            for (var tx = 0; tx < extent; tx++)
            {
                var sx = Math.Clamp(x0 + (tx + 0.5) * stepX - 0.5, 0, last);
                var x1 = (int)sx;
                var x2 = Math.Min(x1 + 1, last);
                var fx = sx - x1;
                var t = (offsetY + ty) * size + offsetX + tx;
                for (var c = 0; c < 3; c++)
                {
                    var p = c * plane;
                    var top = source[p + y1 * size + x1] * (1 - fx) + source[p + y1 * size + x2] * fx;
                    var bottom = source[p + y2 * size + x1] * (1 - fx) + source[p + y2 * size + x2] * fx;
                    target[p + t] = (byte)Math.Clamp(Math.Round(top * (1 - fy) + bottom * fy), 0, 255);
                }
            }
        }
    }

    /// <summary>
    /// Fills the mask with plasma of a drawn tint and grain, optionally with parts of neighbouring cells first; the
    /// cell's own pixels are never overwritten.
    /// </summary>
    /// <returns>Which pixels were background (the mask, after any neighbours) when the plasma went in.</returns>
    private static bool[] FillBackground(Span<byte> image, int size, Random random, Func<Random, ReadOnlyMemory<byte>>? neighbour)
    {
        var plane = size * size;
        if (neighbour is not null)
        {
            var count = 1 + random.Next(5);
            for (var n = 0; n < count; n++) PlaceNeighbour(image, size, random, neighbour(random).Span);
        }
        Span<float> tint = stackalloc float[3];
        var light = (float)Uniform(random, -25, 15);
        for (var c = 0; c < 3; c++) tint[c] = PlasmaColour[c] + light + (float)Uniform(random, -15, 15);
        var grain = (float)Uniform(random, 0, 6);

        // The smoothed mask edge mixes cell and black: a fringe pixel is (share a) cell over black, so it becomes the
        // same share of cell over plasma, a estimated from its brightness against the cell's. Only pixels within two
        // pixels of the mask count as fringe, so dark parasites inside the cell are left alone.
        var background = new bool[plane];
        double cellSum = 0;
        var cellCount = 0;
        for (var i = 0; i < plane; i++)
        {
            background[i] = IsBackground(image, i, plane);
            if (background[i]) continue;
            cellSum += image[i] + image[plane + i] + image[2 * plane + i];
            cellCount++;
        }
        var typicalSum = cellCount > 0 ? (float)(cellSum / cellCount) : 3 * 255f;
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var i = y * size + x;
                if (!background[i] && !NearBackground(background, size, y, x)) continue;
                var share = background[i] ? 0f : Math.Clamp((image[i] + image[plane + i] + image[2 * plane + i]) / typicalSum, 0f, 1f);
                var noise = grain * Gaussian(random);
                for (var c = 0; c < 3; c++)
                {
                    var value = image[c * plane + i] + (1f - share) * (tint[c] + noise);
                    image[c * plane + i] = (byte)Math.Clamp(MathF.Round(value), 0f, 255f);
                }
            }
        }
        return background;
    }

    private static bool NearBackground(bool[] background, int size, int y, int x)
    {
        for (var dy = -2; dy <= 2; dy++)
        {
            for (var dx = -2; dx <= 2; dx++)
            {
                int ny = y + dy, nx = x + dx;
                if ((uint)ny < (uint)size && (uint)nx < (uint)size && background[ny * size + nx]) return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Draws another cell, scaled to 70-105 %, with its centre 55-100 % of the side away in a random direction, into
    /// the background pixels only (where the neighbour is not itself background).
    /// </summary>
    private static void PlaceNeighbour(Span<byte> image, int size, Random random, ReadOnlySpan<byte> other)
    {
        var scale = Uniform(random, 0.7, 1.05);
        var angle = Uniform(random, 0, 2 * Math.PI);
        var distance = Uniform(random, 0.55, 1.0) * size;
        PlaceNeighbour(image, size, other, scale, angle, distance, null);
    }

    /// <summary>
    /// A crowded crop: plasma in the mask, then 3-8 neighbours, scaled to 80-110 %, evenly spaced in angle (with a
    /// random turn and a little jitter) at 60-100 % of the touching distance, painted where the mask was.
    /// </summary>
    /// <remarks>
    /// Plasma goes first so the cell's dark mask fringe is blended into it, and each neighbour is painted without its
    /// own fringe: a real smear has no black outline between touching cells, and a network must not learn one as the
    /// sign of where the cell ends.
    /// </remarks>
    private static void FillCrowded(Span<byte> image, int size, Random random, Func<Random, ReadOnlyMemory<byte>> neighbour)
    {
        var mask = FillBackground(image, size, random, null);
        var count = 3 + random.Next(6);
        var turn = Uniform(random, 0, 2 * Math.PI);
        var slot = 2 * Math.PI / count;
        for (var k = 0; k < count; k++)
        {
            var scale = Uniform(random, 0.8, 1.1);
            var angle = turn + k * slot + Uniform(random, -slot / 4, slot / 4);
            // A tight crop's cell fills it, so its radius is half the side; touching centres are the radii's sum apart.
            var distance = Uniform(random, 0.6, 1.0) * (size + scale * size) / 2;
            PlaceNeighbour(image, size, neighbour(random).Span, scale, angle, distance, mask);
        }
    }

    /// <summary>
    /// Draws <paramref name="other"/> scaled by <paramref name="scale"/> with its centre <paramref name="distance"/>
    /// pixels from the crop's at <paramref name="angle"/>: into the image's background pixels, or, given
    /// <paramref name="paintable"/>, into those pixels and without the neighbour's fringe (its pixels within two of its
    /// own background).
    /// </summary>
    private static void PlaceNeighbour(Span<byte> image, int size, ReadOnlySpan<byte> other, double scale, double angle, double distance, bool[]? paintable)
    {
        var plane = size * size;
        var centre = (size - 1) / 2.0;
        var cy = centre + distance * Math.Sin(angle);
        var cx = centre + distance * Math.Cos(angle);
        var last = size - 1;
        for (var y = 0; y < size; y++)
        {
            var sy = (int)Math.Round(centre + (y - cy) / scale);
            if (sy < 0 || sy > last) continue;
            for (var x = 0; x < size; x++)
            {
                var sx = (int)Math.Round(centre + (x - cx) / scale);
                if (sx < 0 || sx > last) continue;
                var t = y * size + x;
                if (paintable is null ? !IsBackground(image, t, plane) : !paintable[t]) continue;
                var s = sy * size + sx;
                if (IsBackground(other, s, plane)) continue;
                if (paintable is not null && NearEdge(other, size, sy, sx)) continue;
                for (var c = 0; c < 3; c++) image[c * plane + t] = other[c * plane + s];
            }
        }
    }

    /// <summary>
    /// Whether a background pixel of <paramref name="image"/> lies two pixels up, down, left or right of (y, x). Pixels
    /// within two of the crop's border never count as near: a tight crop's cell reaches the border, which is no mask edge.
    /// </summary>
    private static bool NearEdge(ReadOnlySpan<byte> image, int size, int y, int x)
    {
        var plane = size * size;
        if (y < 2 || x < 2 || y >= size - 2 || x >= size - 2) return false;
        return IsBackground(image, (y - 2) * size + x, plane) || IsBackground(image, (y + 2) * size + x, plane)
            || IsBackground(image, y * size + x - 2, plane) || IsBackground(image, y * size + x + 2, plane);
    }

    /// <summary>Scales and offsets the two Giemsa stains' optical density in the cell's pixels (the mask stays black).</summary>
    private static void JitterStains(Span<byte> image, int size, Random random)
    {
        var plane = size * size;
        Span<double> scales = stackalloc double[2];
        Span<double> offsets = stackalloc double[2];
        for (var s = 0; s < 2; s++)
        {
            scales[s] = Math.Exp(Uniform(random, -Math.Log(1.3), Math.Log(1.3)));
            offsets[s] = Uniform(random, -0.08, 0.08);
        }
        for (var i = 0; i < plane; i++)
        {
            if (IsBackground(image, i, plane)) continue;
            byte r = image[i], g = image[plane + i], b = image[2 * plane + i];
            Robustness.GiemsaStains.JitterPixel(ref r, ref g, ref b, scales, offsets);
            // Keep a changed pixel above the background sum, as the intensity changes do.
            image[i] = Math.Max(r, (byte)16);
            image[plane + i] = Math.Max(g, (byte)16);
            image[2 * plane + i] = Math.Max(b, (byte)16);
        }
    }

    private static float Gaussian(Random random)
    {
        // Box-Muller; one value per call is enough here.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
