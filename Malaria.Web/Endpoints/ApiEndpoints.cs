using System.Diagnostics;
using Malaria.Inference.Imaging;
using Malaria.Web.Classification;
using Malaria.Web.Diagnostics;
using Malaria.Web.Options;
using Malaria.Web.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;

namespace Malaria.Web.Endpoints;

/// <summary>The REST API: <c>/api/models</c>, <c>/api/limits</c>, <c>/api/classify</c> and <c>/api/explain</c>.</summary>
public static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapClassifierApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Classifier");

        api.MapGet("/models", ListModels)
            .WithName("ListModels")
            .WithSummary("The served models: name, version, labels, input size and the test metrics of their cards.");

        api.MapGet("/limits", GetLimits)
            .WithName("GetLimits")
            .WithSummary("Upload limits: request and file size, files per request, pixels per image, accepted formats.");

        api.MapPost("/classify", Classify)
            .WithName("Classify")
            .WithSummary("Classifies 1..N cell images (multipart/form-data, one form file each).")
            .WithDescription("One file: its prediction, or its problem (400, 413, 415) as the response. Several files: 200 with one "
                + "result per file, each a prediction or an error, so one bad file does not fail the others. The optional operatingPoint "
                + "(query or form field; see /api/models) decides the labels at another of the model's thresholds; an unknown one is 400. "
                + "The optional views (query or form field: 1, or 8 for the mean over the image's rotations and mirror images at 8 times the work) "
                + "overrides the model's configured views; another value is 400.")
            .Accepts<IFormFileCollection>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapPost("/explain", Explain)
            .WithName("Explain")
            .WithSummary("The Grad-CAM overlay (viridis over the cell) of one image as PNG; with Accept: application/json the raw heatmap.")
            .WithDescription("The optional views query (1, or 8: the maps of the 8 rotations and mirror images turned back and averaged) overrides the model's configured views; another value is 400.")
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<ExplainResponse>(StatusCodes.Status200OK, "application/json")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // The default answer, beside the JSON heatmap: one status, two media types.
                if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is not null)
                    ok.Content["image/png"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };
                return Task.CompletedTask;
            })
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return app;
    }

    private static Ok<ModelDescription[]> ListModels(ClassifierService classifier) =>
        TypedResults.Ok(classifier.ModelNames.Select(classifier.Describe).ToArray());

    private static Ok<LimitsResponse> GetLimits(IOptions<WebLimits> limits) =>
        TypedResults.Ok(new LimitsResponse(limits.Value.MaxRequestBytes, limits.Value.MaxFileBytes, limits.Value.MaxFilesPerRequest,
            limits.Value.MaxPixels, ["image/png", "image/jpeg", "image/bmp"]));

    private static async Task<Ok<ClassifyResponse>> Classify(
        HttpRequest request, [FromQuery] string? model, [FromQuery] string? operatingPoint, [FromQuery] string? views, ClassifierService classifier, ScoringGate gate,
        WebMetrics metrics, IOptions<WebLimits> limits, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var served = classifier.Require(model);
        classifier.RequireOperatingPoint(served, operatingPoint);
        ClassifierService.RequireViews(views);
        var files = await Uploads.ReadAsync(request, limits.Value, limits.Value.MaxFilesPerRequest, cancellationToken);
        // Form fields serve clients that post everything as one form; the query wins when both are given.
        var point = classifier.RequireOperatingPoint(served, string.IsNullOrWhiteSpace(operatingPoint) ? request.Form["operatingPoint"].ToString() : operatingPoint);
        var scoringViews = ClassifierService.RequireViews(string.IsNullOrWhiteSpace(views) ? request.Form["views"].ToString() : views);
        var logger = loggers.CreateLogger(typeof(ApiEndpoints));
        var results = new List<FileResult>(files.Count);
        using (await gate.EnterAsync(cancellationToken))
        {
            foreach (var file in files)
            {
                var name = Uploads.NameOf(file);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await using var stream = file.OpenReadStream();
                    var p = await classifier.ClassifyAsync(served.Name, stream, name, scoringViews, cancellationToken);
                    if (point is not null)
                    {
                        try { p = p.AtOperatingPoint(point); }
                        catch (ArgumentException ex) { throw ApiProblemException.BadRequest(ex.Message); }  // a reload took the point away meanwhile
                    }
                    metrics.Scored(served.Name, p.Label, Stopwatch.GetElapsedTime(started));
                    var positive = served.Model.Card.PositiveLabel;
                    results.Add(new FileResult(name, p.Label, p.Confidence, p.IsParasitized,
                        p.Scores.TryGetValue(positive, out var pp) ? pp : null, p.Scores, served.Name, p.ModelVersion,
                        Warnings: InputWarningText.Describe(p.InputWarnings), OperatingPoint: p.OperatingPoint, Threshold: p.Threshold, Views: p.ScoredViews));
                }
                catch (InvalidImageException ex)
                {
                    metrics.Refused(served.Name, ex.Reason.ToString());
                    // A lone file's problem is the response's; in a batch it is that file's result and the others are still scored.
                    if (files.Count == 1) throw;
                    logger.LogInformation("File {File} refused: {Reason}: {Detail}", name, ex.Reason, ex.Detail);
                    results.Add(new FileResult(name, Error: ProblemMapping.ToProblem(ex)));
                }
            }
        }
        var scored = results.Count(r => r.Error is null);
        logger.LogInformation("Classified {Scored} of {Total} files with {Model} {Version}: {Parasitized} parasitized",
            scored, results.Count, served.Name, served.Version, results.Count(r => r.IsParasitized == true));
        return TypedResults.Ok(new ClassifyResponse(served.Name, served.Version, results.Count,
            results.Count(r => r.IsParasitized == true), results.Count - scored, results));
    }

    private static async Task<Results<FileContentHttpResult, Ok<ExplainResponse>>> Explain(
        HttpRequest request, [FromQuery] string? model, [FromQuery] string? label, [FromQuery] string? views, ClassifierService classifier, ScoringGate gate,
        WebMetrics metrics, IOptions<WebLimits> limits, CancellationToken cancellationToken)
    {
        var served = classifier.Require(model);
        var scoringViews = ClassifierService.RequireViews(views);
        var files = await Uploads.ReadAsync(request, limits.Value, 1, cancellationToken);
        var file = files[0];
        var name = Uploads.NameOf(file);
        using (await gate.EnterAsync(cancellationToken))
        {
            var started = Stopwatch.GetTimestamp();
            await using var stream = file.OpenReadStream();
            Inference.Explainability.CellExplanation explanation;
            try { explanation = await classifier.ExplainAsync(served.Name, stream, name, label, scoringViews, cancellationToken); }
            catch (InvalidImageException ex) { metrics.Refused(served.Name, ex.Reason.ToString()); throw; }
            var p = explanation.Prediction;
            metrics.Scored(served.Name, p.Label, Stopwatch.GetElapsedTime(started));
            if (WantsJson(request))
                return TypedResults.Ok(new ExplainResponse(served.Name, p.ModelVersion, name, p.Label, p.Confidence, p.Scores,
                    explanation.TargetLabel, explanation.Heatmap.Width, explanation.Heatmap.Height, explanation.Heatmap.Values));
            return TypedResults.File(explanation.ToOverlayPng(), "image/png");
        }
    }

    private static bool WantsJson(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));
}
