using Malaria.Inference.Imaging;
using Microsoft.AspNetCore.Mvc;

namespace Malaria.Web.Problems;

/// <summary>
/// The one place where exceptions become HTTP problems (RFC 9457): the exception handler uses it for whole requests,
/// the classify endpoint for each file of a batch. Exceptions it does not know stay 500s with no detail.
/// </summary>
public static class ProblemMapping
{
    /// <summary>The problem for a known exception, or null.</summary>
    public static ProblemDetails? ToProblem(Exception exception) => exception switch
    {
        InvalidImageException image => Problem(StatusOf(image.Reason), TitleOf(image.Reason), image.Message, image.Reason.ToString(), image.SourceName),
        ApiProblemException api => Problem(api.Status, api.Title, api.Message),
        // Kestrel's own limits (MaxRequestBodySize) and malformed HTTP.
        BadHttpRequestException bad => Problem(bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Bad request", bad.Message),
        // The form reader's limits (multipart body length, boundary, headers): malformed or oversized forms.
        InvalidDataException data when data.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) =>
            Problem(StatusCodes.Status413PayloadTooLarge, "Request too large", data.Message),
        InvalidDataException data => Problem(StatusCodes.Status400BadRequest, "Bad request", data.Message),
        NotSupportedException unsupported => Problem(StatusCodes.Status422UnprocessableEntity, "Model cannot explain", unsupported.Message),
        _ => null,
    };

    /// <summary>400 for data that is not a usable image, 413 over the limits, 415 for a known but unsupported format.</summary>
    public static int StatusOf(InvalidImageReason reason) => reason switch
    {
        InvalidImageReason.TooLarge => StatusCodes.Status413PayloadTooLarge,
        InvalidImageReason.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
        _ => StatusCodes.Status400BadRequest,
    };

    private static string TitleOf(InvalidImageReason reason) => reason switch
    {
        InvalidImageReason.Empty => "Empty file",
        InvalidImageReason.Truncated => "Truncated image",
        InvalidImageReason.NotAnImage => "Not an image",
        InvalidImageReason.UnsupportedFormat => "Unsupported image format",
        InvalidImageReason.TooLarge => "Image too large",
        InvalidImageReason.Corrupt => "Corrupt image",
        _ => "Invalid image",
    };

    private static ProblemDetails Problem(int status, string title, string detail, string? reason = null, string? file = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (reason is not null) problem.Extensions["reason"] = reason;
        if (file is not null) problem.Extensions["file"] = file;
        return problem;
    }
}
