namespace Malaria.Inference.Imaging;

/// <summary>
/// An input that cannot be classified because it is not a usable image. The message names the source (a file path,
/// or the name the caller gave to a stream or buffer) and the problem; <see cref="Reason"/> says which problem so
/// that a web service can map it to a status code without parsing text.
/// </summary>
public sealed class InvalidImageException : FormatException
{
    /// <summary>Creates the exception; the message is built from the source, reason and detail.</summary>
    public InvalidImageException(string sourceName, InvalidImageReason reason, string detail, Exception? innerException = null)
        : base($"Image '{sourceName}' {Describe(reason)}: {detail}", innerException)
    {
        SourceName = sourceName;
        Reason = reason;
        Detail = detail;
    }

    /// <summary>The specific problem, without the source name (e.g. "the IEND chunk is missing (Png).").</summary>
    public string Detail { get; }

    /// <summary>The file path or the caller-given name of the rejected input.</summary>
    public string SourceName { get; }

    /// <summary>What is wrong with the input.</summary>
    public InvalidImageReason Reason { get; }

    private static string Describe(InvalidImageReason reason) => reason switch
    {
        InvalidImageReason.Empty => "is empty",
        InvalidImageReason.Truncated => "is truncated",
        InvalidImageReason.NotAnImage => "is not an image",
        InvalidImageReason.UnsupportedFormat => "has an unsupported format",
        InvalidImageReason.TooLarge => "is too large",
        InvalidImageReason.Corrupt => "cannot be decoded",
        InvalidImageReason.NotAFile => "is not a regular file",
        _ => "is invalid",
    };
}
