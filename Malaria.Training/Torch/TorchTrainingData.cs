using System.Diagnostics;
using Malaria.Training.Data;

namespace Malaria.Training.Torch;

/// <summary>The decoded parts of a split, with the label order (ordinal) every label index refers to.</summary>
internal sealed record TorchTrainingData(IReadOnlyList<string> Labels, int PositiveIndex, DecodedImageSet Train,
    DecodedImageSet Validation, DecodedImageSet? Test)
{
    /// <summary>The label treated as positive when present (the NIH infected class); otherwise the first label.</summary>
    public const string DefaultPositiveLabel = "Parasitized";

    /// <summary>
    /// Decodes each part of <paramref name="split"/> into its own set: an image is only ever in the set of its part. The
    /// validation part may be empty (a final fit on all non-test patients; the trainer then keeps the last epoch).
    /// </summary>
    public static TorchTrainingData FromSplit(IReadOnlyList<SplitEntry> split, int imageSize, TrainingProgress progress, CancellationToken cancellationToken = default)
    {
        var labels = split.Select(e => e.Image.Label).Distinct(StringComparer.Ordinal).OrderBy(l => l, StringComparer.Ordinal).ToList();
        if (labels.Count != 2) throw new InvalidDataException($"The TorchSharp trainers are binary; the split has {labels.Count} labels ({string.Join(", ", labels)}).");
        var positive = labels.Contains(DefaultPositiveLabel) ? labels.IndexOf(DefaultPositiveLabel) : 0;
        var clock = Stopwatch.StartNew();
        DecodedImageSet Decode(SplitPart part)
        {
            var images = split.Where(e => e.Part == part).Select(e => e.Image).ToList();
            var set = DecodedImageSet.Decode(images, labels, imageSize, cancellationToken: cancellationToken);
            progress.Message($"Decoded {images.Count:N0} {part.ToString().ToLowerInvariant()} images at {imageSize} px ({clock.Elapsed.TotalSeconds:F0} s).");
            return set;
        }
        var train = Decode(SplitPart.Train);
        var validation = Decode(SplitPart.Validation);
        if (train.Count == 0)
            throw new InvalidDataException("The split has no training images.");
        var test = Decode(SplitPart.Test);
        if (validation.Count == 0 && test.Count == 0)
            throw new InvalidDataException("The split has neither validation nor test images: there is nothing to measure the model on.");
        return new TorchTrainingData(labels, positive, train, validation, test);
    }
}
