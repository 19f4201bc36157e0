using Microsoft.ML.Data;

namespace Malaria.Inference.Imaging;

/// <summary>
/// Makes a plain bounding-box crop look like a training crop: finds the cell at the centre, blacks out everything
/// else (the plasma, the neighbouring cells) and crops to the cell, as the NIH crops were segmented and masked.
/// Crops that already have a masked background (<see cref="InputDomain.MaskedBorderShare"/>) are left alone, so
/// inputs like the training data are scored exactly as before.
/// </summary>
/// <remarks>
/// The steps: the background colour is the median of the crop's outer ring; each pixel's distance to it is split
/// into background and foreground by Otsu's threshold; a 3 x 3 opening cuts the thin necks where neighbouring cells
/// touch; the foreground component at (or nearest to) the centre is kept, and its holes filled (the pale centre of a red
/// cell is close to the plasma colour). Simple on purpose: every step is a
/// few lines a reader can check, and a crop it cannot split (too little contrast, an edge that is not one background,
/// no central object) is returned unchanged rather than guessed at.
/// </remarks>
public static class CentralCellIsolation
{
    /// <summary>Below this Otsu threshold (colour distance, 0..255) the cell and the plasma are not separable.</summary>
    private const int MinContrast = 12;

    /// <summary>The kept object must cover at least this share of the crop to be a cell rather than debris.</summary>
    private const double MinCellShare = 0.02;

    /// <summary>
    /// The share of the outer ring that must lie within <see cref="RingTolerance"/> of the ring's median colour. Below
    /// it the edge is not one background (neighbouring cells, or black mixed with cells, run along it), the cell cannot
    /// be told from its neighbours by colour, and the crop is left as it is rather than guessed at.
    /// </summary>
    private const double MinUniformRingShare = 0.9;

    /// <summary>Colour distance (largest channel difference) within which a ring pixel counts as the background.</summary>
    private const int RingTolerance = 2 * MinContrast;

    /// <summary>
    /// A new image holding only the central cell on black, cropped to it; null when the crop is already masked or
    /// no central cell can be separated from its background.
    /// </summary>
    public static MLImage? Isolate(MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (InputDomain.MaskedBorderShare(image) >= InputDomain.MinMaskedBorderShare) return null;
        int width = image.Width, height = image.Height;
        if (width < 8 || height < 8) return null;
        var pixels = image.Pixels;

        var distance = DistanceToBackground(pixels, width, height);
        if (RingShareWithin(distance, width, height, RingTolerance) < MinUniformRingShare) return null;
        var threshold = OtsuThreshold(distance);
        if (threshold < MinContrast) return null;
        var foreground = new bool[distance.Length];
        for (var i = 0; i < distance.Length; i++) foreground[i] = distance[i] > threshold;

        var opened = Dilate(Erode(foreground, width, height), width, height);
        var cell = CentralComponent(opened, width, height);
        if (cell is null) return null;
        FillHoles(cell, width, height);
        if (cell.Count(c => c) < MinCellShare * cell.Length) return null;
        return CropMasked(pixels, image.PixelFormat, cell, width, height);
    }

    /// <summary>Per pixel, the largest channel difference to the median colour of the outer two-pixel ring.</summary>
    private static byte[] DistanceToBackground(ReadOnlySpan<byte> pixels, int width, int height)
    {
        var ring = OuterRing.Indices(width, height);
        var channels = new byte[3][];
        for (var c = 0; c < 3; c++)
        {
            channels[c] = new byte[ring.Count];
            for (var k = 0; k < ring.Count; k++) channels[c][k] = pixels[ring[k] * 4 + c];
        }
        var c0 = Median(channels[0]);
        var c1 = Median(channels[1]);
        var c2 = Median(channels[2]);
        var distance = new byte[width * height];
        for (var i = 0; i < distance.Length; i++)
        {
            var o = i * 4;
            distance[i] = (byte)Math.Max(Math.Abs(pixels[o] - c0), Math.Max(Math.Abs(pixels[o + 1] - c1), Math.Abs(pixels[o + 2] - c2)));
        }
        return distance;
    }

    /// <summary>The share of the outer two-pixel ring whose distance to the background colour is at most <paramref name="tolerance"/>.</summary>
    private static double RingShareWithin(byte[] distance, int width, int height, int tolerance)
    {
        var ring = OuterRing.Indices(width, height);
        return ring.Count(i => distance[i] <= tolerance) / (double)ring.Count;
    }

    private static int Median(IEnumerable<byte> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>
    /// Otsu's threshold: the level that best separates the histogram into two classes. Where a range of levels ties
    /// (two well-separated peaks with nothing between), the middle of that range.
    /// </summary>
    private static int OtsuThreshold(byte[] values)
    {
        var histogram = new long[256];
        foreach (var v in values) histogram[v]++;
        double total = values.Length, sum = 0;
        for (var i = 0; i < 256; i++) sum += i * (double)histogram[i];
        double sumBelow = 0, countBelow = 0, best = -1;
        int first = 0, last = 0;
        for (var t = 0; t < 256; t++)
        {
            countBelow += histogram[t];
            sumBelow += t * (double)histogram[t];
            if (countBelow == 0) continue;
            var countAbove = total - countBelow;
            if (countAbove == 0) break;
            var meanBelow = sumBelow / countBelow;
            var meanAbove = (sum - sumBelow) / countAbove;
            var between = countBelow * countAbove * (meanBelow - meanAbove) * (meanBelow - meanAbove);
            if (between > best * (1 + 1e-9)) { best = between; first = last = t; }
            else if (between >= best * (1 - 1e-9)) last = t;
        }
        return (first + last) / 2;
    }

    private static bool[] Erode(bool[] mask, int width, int height) => Morph(mask, width, height, erode: true);

    private static bool[] Dilate(bool[] mask, int width, int height) => Morph(mask, width, height, erode: false);

    /// <summary>3 x 3 erosion (every neighbour set) or dilation (any neighbour set); outside the crop counts as unset.</summary>
    private static bool[] Morph(bool[] mask, int width, int height, bool erode)
    {
        var result = new bool[mask.Length];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var value = erode;
                for (var dy = -1; dy <= 1 && value == erode; dy++)
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int nx = x + dx, ny = y + dy;
                        var set = nx >= 0 && ny >= 0 && nx < width && ny < height && mask[ny * width + nx];
                        if (set != erode) { value = !erode; break; }
                    }
                result[y * width + x] = value;
            }
        return result;
    }

    /// <summary>The 4-connected component under the centre, or else the one whose nearest pixel is closest to it.</summary>
    private static bool[]? CentralComponent(bool[] mask, int width, int height)
    {
        var labels = new int[mask.Length];
        var next = 0;
        int bestLabel = 0;
        var bestDistance = double.MaxValue;
        double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
        var queue = new Queue<int>();
        for (var start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || labels[start] != 0) continue;
            var label = ++next;
            labels[start] = label;
            queue.Enqueue(start);
            var nearest = double.MaxValue;
            while (queue.TryDequeue(out var at))
            {
                int x = at % width, y = at / width;
                nearest = Math.Min(nearest, (x - cx) * (x - cx) + (y - cy) * (y - cy));
                foreach (var n in (ReadOnlySpan<int>)[x > 0 ? at - 1 : -1, x < width - 1 ? at + 1 : -1, y > 0 ? at - width : -1, y < height - 1 ? at + width : -1])
                    if (n >= 0 && mask[n] && labels[n] == 0) { labels[n] = label; queue.Enqueue(n); }
            }
            if (nearest < bestDistance) { bestDistance = nearest; bestLabel = label; }
        }
        if (bestLabel == 0) return null;
        var component = new bool[mask.Length];
        for (var i = 0; i < mask.Length; i++) component[i] = labels[i] == bestLabel;
        return component;
    }

    /// <summary>Sets every unset pixel that the crop's edge cannot reach through unset pixels.</summary>
    private static void FillHoles(bool[] mask, int width, int height)
    {
        var outside = new bool[mask.Length];
        var queue = new Queue<int>();
        for (var i = 0; i < mask.Length; i++)
        {
            int x = i % width, y = i / width;
            if ((x == 0 || y == 0 || x == width - 1 || y == height - 1) && !mask[i]) { outside[i] = true; queue.Enqueue(i); }
        }
        while (queue.TryDequeue(out var at))
        {
            int x = at % width, y = at / width;
            foreach (var n in (ReadOnlySpan<int>)[x > 0 ? at - 1 : -1, x < width - 1 ? at + 1 : -1, y > 0 ? at - width : -1, y < height - 1 ? at + width : -1])
                if (n >= 0 && !mask[n] && !outside[n]) { outside[n] = true; queue.Enqueue(n); }
        }
        for (var i = 0; i < mask.Length; i++) mask[i] = !outside[i];
    }

    /// <summary>The mask's bounding box, with every pixel outside the mask black (alpha kept opaque).</summary>
    private static MLImage CropMasked(ReadOnlySpan<byte> pixels, MLPixelFormat format, bool[] mask, int width, int height)
    {
        int left = width, top = height, right = -1, bottom = -1;
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                if (mask[y * width + x])
                {
                    left = Math.Min(left, x); right = Math.Max(right, x);
                    top = Math.Min(top, y); bottom = Math.Max(bottom, y);
                }
        int w = right - left + 1, h = bottom - top + 1;
        var result = new byte[w * h * 4];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var source = (y + top) * width + (x + left);
                var o = (y * w + x) * 4;
                if (mask[source]) pixels.Slice(source * 4, 4).CopyTo(result.AsSpan(o, 4));
                result[o + 3] = 255;
            }
        return MLImage.CreateFromPixels(w, h, format, result);
    }
}
