using Malaria.Inference;
using Malaria.Inference.Explainability;
using Malaria.Training.Data;
using Malaria.Training.Torch;
using Microsoft.ML.OnnxRuntime;

namespace Malaria.Training.Export;

/// <summary>Mean drops of the positive probability when a share of each image's pixels is masked, by how they were chosen.</summary>
/// <param name="Images">Images measured.</param>
/// <param name="MeanProbability">Mean positive probability before masking.</param>
/// <param name="MeanDropTopHeat">Mean drop when the pixels with the most heat are masked.</param>
/// <param name="MeanDropRandom">Mean drop when as many pixels chosen at random anywhere are masked.</param>
/// <param name="MeanDropRandomCell">Mean drop when as many random pixels inside the cell (not the black background) are masked.</param>
/// <param name="TopHeatWins">Share of images whose top-heat drop exceeds their random-in-cell drop.</param>
/// <param name="EmptyMaps">Images whose map had no positive evidence (their "top heat" pixels are a random pick).</param>
internal sealed record CamFaithfulnessResult(int Images, double MeanProbability, double MeanDropTopHeat, double MeanDropRandom,
    double MeanDropRandomCell, double TopHeatWins, int EmptyMaps);

/// <summary>
/// Does the exported <c>cam</c> point at what the model uses? For each image: the positive class's map is turned into
/// a heatmap at the input size (<see cref="Heatmap.FromActivationMap"/>), the given share of pixels with the most heat
/// is painted black (the colour of the NIH background, so masking reads as "no cell here"), and the drop of the
/// positive probability is compared with painting the same number of random pixels, anywhere and inside the cell.
/// Random choices come from the seed and the image's position, so a run is reproducible.
/// </summary>
internal static class CamFaithfulness
{
    /// <summary>A pixel belongs to the cell when any channel exceeds this (the background is pure black).</summary>
    private const byte BackgroundThreshold = 10;

    public static CamFaithfulnessResult Measure(string onnxPath, ModelCard card, DecodedImageSet images, double fraction, int seed,
        int batchSize = 64, IProgress<int>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(fraction, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1);
        var positive = card.Labels.ToList().IndexOf(card.PositiveLabel);
        if (positive < 0) throw new InvalidDataException($"The positive label '{card.PositiveLabel}' is not among the model's labels ({string.Join(", ", card.Labels)}).");
        if (card.InputWidth != images.Size || card.InputHeight != images.Size)
            throw new ArgumentException($"Images are {images.Size} px but the model takes {card.InputWidth}x{card.InputHeight}.", nameof(images));

        using var session = new InferenceSession(onnxPath);
        if (!session.OutputMetadata.ContainsKey(TorchOnnxExporter.CamName))
            throw new InvalidDataException($"ONNX model '{onnxPath}' has no '{TorchOnnxExporter.CamName}' output; export it with this trainer's 'export' command.");
        var size = images.Size;
        var plane = size * size;
        var masked = (int)Math.Round(fraction * plane);
        double probabilitySum = 0, topSum = 0, randomSum = 0, cellSum = 0, wins = 0;
        var empty = 0;

        for (var start = 0; start < images.Count; start += batchSize)
        {
            var n = Math.Min(batchSize, images.Count - start);
            // Four versions of each image in one run: original, top heat masked, random masked, random-in-cell masked.
            var original = new float[n * 3 * plane];
            for (var i = 0; i < original.Length; i++) original[i] = images.Pixels[start * 3 * plane + i];
            var (probabilities, cams, camHeight, camWidth) = Run(session, original, n, size, card.Labels.Count);

            var variants = new float[3 * n * 3 * plane];
            for (var i = 0; i < n; i++)
            {
                var random = new Random(Seeds.Mix(seed, start + i, 11));
                var image = original.AsSpan(i * 3 * plane, 3 * plane);
                var map = cams.AsSpan(((i * card.Labels.Count) + positive) * camHeight * camWidth, camHeight * camWidth);
                var heat = Heatmap.FromActivationMap(map, camWidth, camHeight, size, size).Values;
                if (heat.All(v => v == 0)) empty++;

                // Most heat first; random keys break ties so flat regions are not masked in scan order.
                var tieBreak = Enumerable.Range(0, plane).Select(_ => random.NextDouble()).ToArray();
                var byHeat = Enumerable.Range(0, plane).OrderByDescending(p => heat[p]).ThenBy(p => tieBreak[p]).Take(masked);
                var anywhere = Enumerable.Range(0, plane).OrderBy(_ => random.Next()).Take(masked);
                var offset = i * 3 * plane;
                var cell = Enumerable.Range(0, plane)
                    .Where(p => original[offset + p] > BackgroundThreshold || original[offset + plane + p] > BackgroundThreshold || original[offset + 2 * plane + p] > BackgroundThreshold)
                    .OrderBy(_ => random.Next()).Take(masked);
                Paint(image, variants.AsSpan((0 * n + i) * 3 * plane, 3 * plane), byHeat, plane);
                Paint(image, variants.AsSpan((1 * n + i) * 3 * plane, 3 * plane), anywhere, plane);
                Paint(image, variants.AsSpan((2 * n + i) * 3 * plane, 3 * plane), cell, plane);
            }
            var (maskedProbabilities, _, _, _) = Run(session, variants, 3 * n, size, card.Labels.Count);
            for (var i = 0; i < n; i++)
            {
                var p = probabilities[i * card.Labels.Count + positive];
                var top = p - maskedProbabilities[(0 * n + i) * card.Labels.Count + positive];
                var any = p - maskedProbabilities[(1 * n + i) * card.Labels.Count + positive];
                var inCell = p - maskedProbabilities[(2 * n + i) * card.Labels.Count + positive];
                probabilitySum += p;
                topSum += top;
                randomSum += any;
                cellSum += inCell;
                if (top > inCell) wins++;
            }
            progress?.Report(start + n);
        }
        var count = Math.Max(1, images.Count);
        return new CamFaithfulnessResult(images.Count, probabilitySum / count, topSum / count, randomSum / count, cellSum / count, wins / count, empty);
    }

    private static void Paint(ReadOnlySpan<float> image, Span<float> destination, IEnumerable<int> pixels, int plane)
    {
        image.CopyTo(destination);
        foreach (var p in pixels)
        {
            destination[p] = 0;
            destination[plane + p] = 0;
            destination[2 * plane + p] = 0;
        }
    }

    private static (float[] Probabilities, float[] Cams, int CamHeight, int CamWidth) Run(InferenceSession session, float[] pixels, int n, int size, int classes)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [n, 3, size, size]);
        using var options = new RunOptions();
        using var results = session.Run(options, [TorchOnnxExporter.InputName], [input], [TorchOnnxExporter.ProbabilitiesName, TorchOnnxExporter.CamName]);
        var camShape = results[1].GetTensorTypeAndShape().Shape;
        if (camShape.Length != 4 || camShape[1] != classes)
            throw new InvalidDataException($"The '{TorchOnnxExporter.CamName}' output has shape [{string.Join(",", camShape)}], expected [N,{classes},h,w].");
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<float>().ToArray(), (int)camShape[2], (int)camShape[3]);
    }
}
