namespace Malaria.Training.Data;

/// <summary>One image file of a labeled folder tree: its full path, its label (the folder name) and its patient group.</summary>
public sealed record LabeledImage(string Path, string Label, string Group);
