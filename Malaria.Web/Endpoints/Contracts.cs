using Microsoft.AspNetCore.Mvc;

namespace Malaria.Web.Endpoints;

/// <summary>The answer to <c>POST /api/classify</c>: one result per file, in upload order.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="ModelVersion">The model's version (SHA-256 of its file) when the request started.</param>
/// <param name="Total">Files received.</param>
/// <param name="Parasitized">Files classified as the model's positive label.</param>
/// <param name="Failed">Files that could not be classified (each carries its error).</param>
/// <param name="Files">The per-file results.</param>
public sealed record ClassifyResponse(string Model, string ModelVersion, int Total, int Parasitized, int Failed, IReadOnlyList<FileResult> Files);

/// <summary>One file's result: a prediction, or the problem that kept it from being scored.</summary>
/// <param name="File">The upload's file name.</param>
/// <param name="Label">The label decided at <paramref name="OperatingPoint"/>.</param>
/// <param name="Confidence">The calibrated probability of <paramref name="Label"/>.</param>
/// <param name="IsParasitized">Whether the label is the model's positive label.</param>
/// <param name="ProbabilityParasitized">Calibrated P(positive label).</param>
/// <param name="Scores">Every label's calibrated probability.</param>
/// <param name="Model">The model's name.</param>
/// <param name="ModelVersion">The version of the model that scored this file.</param>
/// <param name="Error">Why the file was not scored (status 400, 413 or 415 with a readable detail).</param>
/// <param name="Warnings">How the image differs from the crops the model was trained on (empty when it looks like them).</param>
/// <param name="OperatingPoint">The operating point that decided <paramref name="Label"/>.</param>
/// <param name="Threshold">Its threshold on the calibrated P(positive label).</param>
/// <param name="Views">How many views of the image its probabilities average: 1, or 8 (its rotations and mirror images).</param>
public sealed record FileResult(
    string File, string? Label = null, float? Confidence = null, bool? IsParasitized = null, float? ProbabilityParasitized = null,
    IReadOnlyDictionary<string, float>? Scores = null, string? Model = null, string? ModelVersion = null, ProblemDetails? Error = null,
    IReadOnlyList<InputWarning>? Warnings = null, string? OperatingPoint = null, double? Threshold = null, int? Views = null);

/// <summary>A way an image differs from the training crops, with what it means for the prediction.</summary>
/// <param name="Code">The library's <c>InputWarnings</c> flag, e.g. <c>NoMaskedBackground</c>.</param>
/// <param name="Message">A sentence for a person.</param>
public sealed record InputWarning(string Code, string Message);

/// <summary>The raw Grad-CAM heatmap of <c>POST /api/explain</c> with <c>Accept: application/json</c>.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="ModelVersion">The version that explained the image.</param>
/// <param name="File">The upload's file name.</param>
/// <param name="Label">The predicted label.</param>
/// <param name="Confidence">Its probability.</param>
/// <param name="Scores">Every label's probability.</param>
/// <param name="TargetLabel">The label whose evidence the heatmap shows.</param>
/// <param name="Width">Heatmap width (the image's).</param>
/// <param name="Height">Heatmap height.</param>
/// <param name="Values">Row-major values in 0..1; 1 marks the strongest evidence.</param>
public sealed record ExplainResponse(
    string Model, string ModelVersion, string File, string Label, float Confidence, IReadOnlyDictionary<string, float> Scores,
    string TargetLabel, int Width, int Height, IReadOnlyList<float> Values);

/// <summary>The upload limits in force (<c>GET /api/limits</c>), for clients that split their batches.</summary>
public sealed record LimitsResponse(long MaxRequestBytes, long MaxFileBytes, int MaxFilesPerRequest, long MaxPixels, IReadOnlyList<string> Formats);
