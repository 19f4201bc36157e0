namespace Malaria.Training.Robustness;

/// <summary>
/// Colour deconvolution for Giemsa-stained smears: a pixel's optical density (OD = -ln((I + 1) / 256) per channel) is
/// a mix of a methylene-blue/azure stain (chromatin, parasites: purple-blue), an eosin stain (red cells: pink) and a
/// residual, with the Giemsa vectors ImageJ's Colour Deconvolution plugin ships (Ruifrok and Johnston 2001). Changing
/// the stains' amounts and recomposing gives a stain shift that keeps the image's structure, as HED jitter does.
/// </summary>
public static class GiemsaStains
{
    // Rows: the OD of one unit of each stain in R, G, B; the third is the residual, orthogonal to both.
    private static readonly double[,] Vectors = BuildVectors();
    private static readonly double[,] Inverse = Invert(Vectors);

    // The same two matrices row by row ([row, column] at 3 * row + column), for the per-pixel loop.
    private static readonly double[] VectorRows = Vectors.Cast<double>().ToArray();
    private static readonly double[] InverseRows = Inverse.Cast<double>().ToArray();

    // OD = -ln((I + 1) / 256) for each byte value I: a table, since training jitters every cell pixel of many images.
    private static readonly double[] OpticalDensity = Enumerable.Range(0, 256).Select(i => -Math.Log((i + 1) / 256.0)).ToArray();

    /// <summary>
    /// Scales and offsets the first two stains' concentrations in the cell's pixels: c' = scale·c + offset. Scales of 1
    /// and offsets of 0 give the image back (up to rounding). The mask stays black.
    /// </summary>
    /// <param name="image">The cell.</param>
    /// <param name="scales">Methylene blue, eosin.</param>
    /// <param name="offsets">Methylene blue, eosin, in OD units.</param>
    public static CellPixels Jitter(CellPixels image, IReadOnlyList<double> scales, IReadOnlyList<double> offsets)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(scales);
        ArgumentNullException.ThrowIfNull(offsets);
        if (scales.Count != 2 || offsets.Count != 2) throw new ArgumentException("Give one scale and one offset for each of the two stains.");
        var output = (byte[])image.Bgra.Clone();
        ReadOnlySpan<double> stainScales = [scales[0], scales[1]];
        ReadOnlySpan<double> stainOffsets = [offsets[0], offsets[1]];
        for (var i = 0; i < image.PixelCount; i++)
        {
            if (image.IsBackground(i)) continue;
            var o = 4 * i;
            JitterPixel(ref output[o + 2], ref output[o + 1], ref output[o], stainScales, stainOffsets);
        }
        return new CellPixels(image.Width, image.Height, output);
    }

    /// <summary>
    /// One pixel's stains changed: c' = scale·c + offset for methylene blue and eosin (in that order in
    /// <paramref name="scales"/> and <paramref name="offsets"/>), the residual kept.
    /// </summary>
    public static void JitterPixel(ref byte r, ref byte g, ref byte b, ReadOnlySpan<double> scales, ReadOnlySpan<double> offsets)
    {
        // Flat tables and locals rather than 2-D arrays and spans: training calls this for every cell pixel of many
        // images. The arithmetic is the same, in the same order, so the result is too.
        var m = InverseRows;
        var v = VectorRows;
        double od0 = OpticalDensity[r], od1 = OpticalDensity[g], od2 = OpticalDensity[b];
        var blue = scales[0] * (od0 * m[0] + od1 * m[3] + od2 * m[6]) + offsets[0];
        var eosin = scales[1] * (od0 * m[1] + od1 * m[4] + od2 * m[7]) + offsets[1];
        var residual = od0 * m[2] + od1 * m[5] + od2 * m[8];
        r = PixelValue.Clamp(256 * Math.Exp(-(blue * v[0] + eosin * v[3] + residual * v[6])) - 1);
        g = PixelValue.Clamp(256 * Math.Exp(-(blue * v[1] + eosin * v[4] + residual * v[7])) - 1);
        b = PixelValue.Clamp(256 * Math.Exp(-(blue * v[2] + eosin * v[5] + residual * v[8])) - 1);
    }

    private static double[,] BuildVectors()
    {
        double[] blue = [0.834750233, 0.513556283, 0.196330403];
        double[] eosin = [0.092789, 0.954111, 0.283111];
        double[] residual =
        [
            blue[1] * eosin[2] - blue[2] * eosin[1],
            blue[2] * eosin[0] - blue[0] * eosin[2],
            blue[0] * eosin[1] - blue[1] * eosin[0],
        ];
        var length = Math.Sqrt(residual.Sum(x => x * x));
        var vectors = new double[3, 3];
        for (var c = 0; c < 3; c++)
        {
            vectors[0, c] = blue[c];
            vectors[1, c] = eosin[c];
            vectors[2, c] = residual[c] / length;
        }
        return vectors;
    }

    private static double[,] Invert(double[,] m)
    {
        var det = m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1])
                - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0])
                + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);
        var inverse = new double[3, 3];
        for (var r = 0; r < 3; r++)
            for (var c = 0; c < 3; c++)
            {
                // Cofactor of (c, r) over the determinant: the adjugate's transpose.
                int r1 = (c + 1) % 3, r2 = (c + 2) % 3, c1 = (r + 1) % 3, c2 = (r + 2) % 3;
                inverse[r, c] = (m[r1, c1] * m[r2, c2] - m[r1, c2] * m[r2, c1]) / det;
            }
        return inverse;
    }
}
