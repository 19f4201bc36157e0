using System.Net.Http.Headers;

namespace Malaria.Web.Tests.Support;

/// <summary>Multipart bodies as the page and API clients send them.</summary>
internal static class Forms
{
    public static MultipartFormDataContent Files(params (string Name, byte[] Bytes)[] files) => Files("files", files);

    public static MultipartFormDataContent Files(string field, params (string Name, byte[] Bytes)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, bytes) in files)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(ContentTypeOf(name));
            form.Add(content, field, name);
        }
        return form;
    }

    public static MultipartFormDataContent Paths(params string[] paths) =>
        Files([.. paths.Select(p => (Path.GetFileName(p), File.ReadAllBytes(p)))]);

    private static string ContentTypeOf(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".gif" => "image/gif",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".txt" or ".csv" => "text/plain",
        _ => "application/octet-stream",
    };
}
