using YamlDotNet.RepresentationModel;

namespace Malaria.TestSupport.Deployment;

/// <summary>
/// The objects of a Kubernetes manifest file (YAML, several documents), parsed with YamlDotNet, with lookups by kind
/// and by dotted path. For the deployment tests, which check manifests against the code because no cluster is at hand.
/// Linked into the test projects that check deployment files.
/// </summary>
internal sealed class KubernetesManifest
{
    private KubernetesManifest(string path, IReadOnlyList<YamlMappingNode> objects)
    {
        Path = path;
        Objects = objects;
    }

    /// <summary>The file read.</summary>
    public string Path { get; }

    /// <summary>Every object (document) of the file, in order.</summary>
    public IReadOnlyList<YamlMappingNode> Objects { get; }

    /// <summary>Parses <paramref name="path"/>; fails on invalid YAML or a document that is not an object.</summary>
    public static KubernetesManifest Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path)) stream.Load(reader);
        var objects = stream.Documents.Select((d, i) => d.RootNode as YamlMappingNode
            ?? throw new InvalidDataException($"{path}: document {i + 1} is not a mapping")).ToList();
        return new KubernetesManifest(path, objects);
    }

    /// <summary>The one object of <paramref name="kind"/>; fails when there is none or more than one.</summary>
    public YamlMappingNode Single(string kind)
    {
        var found = Objects.Where(o => Text(o, "kind") == kind).ToList();
        if (found.Count != 1) throw new InvalidDataException($"{Path}: {found.Count} objects of kind {kind}, expected one");
        return found[0];
    }

    /// <summary>The node at a dotted path (<c>spec.template.spec</c>), or null when any step is missing.</summary>
    public static YamlNode? At(YamlNode node, string path)
    {
        YamlNode? current = node;
        foreach (var step in path.Split('.'))
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(step), out current)) return null;
        }
        return current;
    }

    /// <summary>The scalar at a dotted path, or null.</summary>
    public static string? Text(YamlNode node, string path) => (At(node, path) as YamlScalarNode)?.Value;

    /// <summary>The items of the sequence at a dotted path (empty when there is none).</summary>
    public static IReadOnlyList<YamlNode> Items(YamlNode node, string path) => At(node, path) is YamlSequenceNode sequence ? [.. sequence.Children] : [];

    /// <summary>The scalars of the sequence at a dotted path.</summary>
    public static IReadOnlyList<string> Texts(YamlNode node, string path) => [.. Items(node, path).OfType<YamlScalarNode>().Select(s => s.Value ?? "")];
}
