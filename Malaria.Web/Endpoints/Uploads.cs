using Malaria.Web.Options;
using Malaria.Web.Problems;

namespace Malaria.Web.Endpoints;

/// <summary>Reads the files of a multipart request within <see cref="WebLimits"/>.</summary>
internal static class Uploads
{
    public static async Task<IReadOnlyList<IFormFile>> ReadAsync(HttpRequest request, WebLimits limits, int maxFiles, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limits.MaxRequestBytes)
            throw ApiProblemException.TooLarge($"The request has {request.ContentLength:N0} bytes; the limit is {limits.MaxRequestBytes:N0}.");
        if (!request.HasFormContentType)
            throw ApiProblemException.BadRequest("Send the images as multipart/form-data, one form file per image.");
        request.Body = new LengthLimitedStream(request.Body, limits.MaxRequestBytes);
        IFormCollection form;
        try { form = await request.ReadFormAsync(cancellationToken); }
        catch (IOException ex) when (!cancellationToken.IsCancellationRequested && ex is not BadHttpRequestException)
        {
            throw ApiProblemException.BadRequest($"The multipart body cannot be read: {ex.Message}");
        }
        var files = form.Files;
        if (files.Count == 0)
            throw ApiProblemException.BadRequest("The request has no file; send one form file per image.");
        if (files.Count > maxFiles)
            throw ApiProblemException.TooLarge($"The request has {files.Count} files; the limit is {maxFiles} per request.");
        return files;
    }

    /// <summary>The name errors and results use for an upload.</summary>
    public static string NameOf(IFormFile file) =>
        string.IsNullOrWhiteSpace(file.FileName) ? file.Name : Path.GetFileName(file.FileName);
}
