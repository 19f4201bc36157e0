namespace Malaria.Web.Problems;

/// <summary>A request the API refuses for a reason of its own (unknown model, too many files, saturated...).</summary>
public sealed class ApiProblemException(int status, string title, string detail) : Exception(detail)
{
    /// <summary>The HTTP status to answer.</summary>
    public int Status { get; } = status;

    /// <summary>A short, fixed summary of the problem type.</summary>
    public string Title { get; } = title;

    public static ApiProblemException UnknownModel(string name, IEnumerable<string> known) =>
        new(StatusCodes.Status404NotFound, "Unknown model", $"No model named '{name}'; models: {string.Join(", ", known)}.");

    public static ApiProblemException BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static ApiProblemException TooLarge(string detail) => new(StatusCodes.Status413PayloadTooLarge, "Request too large", detail);

    public static ApiProblemException Saturated(string detail) => new(StatusCodes.Status429TooManyRequests, "Too many requests", detail);
}
