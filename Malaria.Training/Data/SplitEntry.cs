namespace Malaria.Training.Data;

/// <summary>A row of a split file: an image and the part it was assigned to.</summary>
public sealed record SplitEntry(LabeledImage Image, SplitPart Part);
