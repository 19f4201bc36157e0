namespace Malaria.Web.Options;

/// <summary>
/// The models to serve, bound from the <c>Malaria</c> section: <c>{ "Models": { "name": { "Path": "...", "WatchForChanges": true } } }</c>,
/// the shape the library's own configuration binding will read. The built-in model is always served as "default"
/// unless a configured model takes that name.
/// </summary>
public sealed class ModelSettings
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Malaria";

    /// <summary>Model files by name.</summary>
    public Dictionary<string, ModelFileSettings> Models { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One configured model file.</summary>
public sealed class ModelFileSettings
{
    /// <summary>An ML.NET <c>model.zip</c> or <c>model.onnx</c> with its <c>model.json</c> beside it.</summary>
    public string? Path { get; set; }

    /// <summary>Reload when the file (or its card) changes. Default: true.</summary>
    public bool WatchForChanges { get; set; } = true;
}
