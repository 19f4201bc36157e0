using Malaria.TestSupport;
using Malaria.Web.Tests.Support;
using Malaria.TestSupport.Deployment;

namespace Malaria.Web.Tests.Deployment;

/// <summary>
/// The Dockerfile cannot be built here (no Docker daemon), so it is checked against the code instead: every path it
/// copies exists, every project the app builds from is copied, it publishes for linux-x64, runs as a non-root user,
/// and the port it exposes is the one it tells ASP.NET Core to listen on.
/// </summary>
public sealed class DockerfileTests
{
    private static readonly string DockerfilePath = Path.Combine(Repository.Root, "Malaria.Web", "Dockerfile");

    private static List<(string Instruction, string Arguments)> Instructions() => DockerfileInstructions.Read(DockerfilePath);

    [Test]
    public void Every_instruction_is_known_and_the_build_is_multi_stage()
    {
        var known = new HashSet<string> { "FROM", "WORKDIR", "COPY", "RUN", "ENV", "EXPOSE", "USER", "ENTRYPOINT", "ARG", "LABEL", "CMD", "HEALTHCHECK" };
        var instructions = Instructions();
        Assert.That(instructions.Select(i => i.Instruction).Distinct(), Is.SubsetOf(known));
        var stages = instructions.Where(i => i.Instruction == "FROM").Select(i => i.Arguments).ToList();
        Assert.That(stages, Has.Count.GreaterThanOrEqualTo(2), "a build stage and a runtime stage");
        Assert.That(stages[^1], Does.StartWith("mcr.microsoft.com/dotnet/aspnet:10.0"), "the runtime image has no SDK");
        Assert.That(instructions.Single(i => i.Instruction == "RUN" && i.Arguments.Contains("dotnet publish")).Arguments, Does.Contain("-r linux-x64"));
    }

    [Test]
    public void Every_copied_path_exists_and_every_referenced_project_is_copied()
    {
        var sources = DockerfileInstructions.CopiedPaths(DockerfilePath);
        foreach (var source in sources)
            Assert.That(File.Exists(Path.Combine(Repository.Root, source)) || Directory.Exists(Path.Combine(Repository.Root, source)), Is.True, $"COPY {source}");

        foreach (var project in ProjectReferences.Closure(Path.Combine(Repository.Root, "Malaria.Web", "Malaria.Web.csproj")))
        {
            var folder = Path.GetFileName(Path.GetDirectoryName(project))!;
            Assert.That(sources, Does.Contain($"{folder}/{Path.GetFileName(project)}"), $"{folder}'s project file is copied before restore");
            Assert.That(sources, Does.Contain($"{folder}/"), $"{folder}'s sources are copied");
        }
    }

    [Test]
    public void It_runs_as_a_non_root_user_on_the_port_it_exposes()
    {
        var instructions = Instructions();
        var user = instructions.Last(i => i.Instruction == "USER").Arguments;
        Assert.That(user, Is.Not.EqualTo("root").And.Not.EqualTo("0"));
        var exposed = instructions.Single(i => i.Instruction == "EXPOSE").Arguments;
        var env = string.Join(" ", instructions.Where(i => i.Instruction == "ENV").Select(i => i.Arguments));
        Assert.That(env, Does.Contain($"ASPNETCORE_HTTP_PORTS={exposed}"));
        Assert.That(instructions.Last(i => i.Instruction == "ENTRYPOINT").Arguments, Does.Contain("Malaria.Web.dll"));
    }
}
