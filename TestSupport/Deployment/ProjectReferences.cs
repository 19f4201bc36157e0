using System.Xml.Linq;

namespace Malaria.TestSupport.Deployment;

/// <summary>A project's references, followed through the csproj files: what a container build must copy for it.</summary>
internal static class ProjectReferences
{
    /// <summary>The project and every project it references, transitively (full paths).</summary>
    public static IEnumerable<string> Closure(string project)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var next))
        {
            if (!seen.Add(next)) continue;
            foreach (var reference in XDocument.Load(next).Descendants("ProjectReference"))
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, reference.Attribute("Include")!.Value.Replace('\\', '/'))));
        }
        return seen;
    }
}
