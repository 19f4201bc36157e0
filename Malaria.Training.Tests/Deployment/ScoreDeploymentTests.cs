using System.Globalization;
using System.Xml.Linq;
using Malaria.TestSupport;
using Malaria.TestSupport.Deployment;
using Malaria.Training.Commands;
using Malaria.Training.Scoring;
using YamlDotNet.RepresentationModel;
using static Malaria.TestSupport.Deployment.KubernetesManifest;

namespace Malaria.Training.Tests.Deployment;

/// <summary>
/// deploy/score.Dockerfile and deploy/kubernetes/score-job.yaml cannot be built or applied here (no Docker daemon, no
/// cluster), so they are checked against the code: what the Dockerfile copies exists and covers every project score is
/// built from; the image runs the score command as a non-root user; the Indexed Job's arguments parse with the real
/// score command, give every pod a valid shard from JOB_COMPLETION_INDEX, and read and write on the shared volume.
/// </summary>
public class ScoreDeploymentTests
{
    private static readonly string Root = Repository.Root;
    private static readonly string Dockerfile = Path.Combine(Root, "deploy", "score.Dockerfile");
    private static readonly string JobFile = Path.Combine(Root, "deploy", "kubernetes", "score-job.yaml");

    [Test]
    public void TheDockerfileIsMultiStagePublishesForLinuxX64AndRunsScoreAsANonRootUser()
    {
        var instructions = DockerfileInstructions.Read(Dockerfile);
        var stages = instructions.Where(i => i.Instruction == "FROM").Select(i => i.Arguments).ToList();

        Assert.That(stages, Has.Count.GreaterThanOrEqualTo(2), "a build stage and a runtime stage");
        Assert.That(stages[0], Does.StartWith("mcr.microsoft.com/dotnet/sdk:10.0"));
        Assert.That(stages[^1], Does.StartWith("mcr.microsoft.com/dotnet/runtime:10.0"), "the runtime image has no SDK (and score needs no ASP.NET Core)");
        Assert.That(instructions.Single(i => i.Instruction == "RUN" && i.Arguments.Contains("dotnet publish")).Arguments,
            Does.Contain("Malaria.Training/Malaria.Training.csproj").And.Contain("-r linux-x64"));
        Assert.That(instructions.Last(i => i.Instruction == "USER").Arguments, Is.Not.EqualTo("root").And.Not.EqualTo("0"));
        var entry = instructions.Last(i => i.Instruction == "ENTRYPOINT").Arguments;
        var assembly = XDocument.Load(Path.Combine(Root, "Malaria.Training", "Malaria.Training.csproj")).Descendants("AssemblyName").Single().Value;
        Assert.That(entry, Is.EqualTo($"[\"dotnet\", \"{assembly}.dll\", \"score\"]"), "the container's arguments are score's options");
    }

    [Test]
    public void EveryCopiedPathExistsAndEveryProjectScoreIsBuiltFromIsCopiedAndNotIgnored()
    {
        var sources = DockerfileInstructions.CopiedPaths(Dockerfile);
        foreach (var source in sources)
            Assert.That(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), Is.True, $"COPY {source}");

        var ignored = File.ReadAllLines(Dockerfile + ".dockerignore").Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var project in ProjectReferences.Closure(Path.Combine(Root, "Malaria.Training", "Malaria.Training.csproj")))
        {
            var folder = Path.GetFileName(Path.GetDirectoryName(project))!;
            Assert.That(sources, Does.Contain($"{folder}/{Path.GetFileName(project)}"), $"{folder}'s project file is copied before restore");
            Assert.That(sources, Does.Contain($"{folder}/"), $"{folder}'s sources are copied");
            Assert.That(ignored, Does.Not.Contain($"{folder}/"), $"{folder} is not left out of the build context");
        }
        Assert.That(DockerfileInstructions.DocumentedTag(Dockerfile), Is.EqualTo("malaria-score"));
    }

    [Test]
    public void TheJobIsIndexedWithOneShardPerCompletionAndArgumentsTheScoreCommandAccepts()
    {
        var manifest = Load(JobFile);
        var job = manifest.Single("Job");
        var completions = int.Parse(Text(job, "spec.completions")!, CultureInfo.InvariantCulture);
        var container = Items(job, "spec.template.spec.containers").Cast<YamlMappingNode>().Single();
        var args = Texts(container, "args");

        Assert.That(Text(job, "apiVersion"), Is.EqualTo("batch/v1"));
        Assert.That(Text(job, "spec.completionMode"), Is.EqualTo("Indexed"), "Kubernetes sets JOB_COMPLETION_INDEX only in Indexed mode");
        Assert.That(int.Parse(Text(job, "spec.parallelism")!, CultureInfo.InvariantCulture), Is.InRange(1, completions));
        Assert.That(Text(container, "image"), Does.StartWith(DockerfileInstructions.DocumentedTag(Dockerfile) + ":"), "the image deploy/score.Dockerfile builds");
        Assert.That(Items(container, "command"), Is.Empty, "the image's entry point runs score");

        var parse = CommandLineApp.Build().Parse(["score", .. args]);
        Assert.That(parse.Errors.Select(e => e.Message), Is.Empty, string.Join(' ', args));
        Assert.That(parse.CommandResult.Command.Name, Is.EqualTo("score"));
        Assert.That(parse.GetValue<string?>("--shard"), Is.Null, "the shard comes from JOB_COMPLETION_INDEX");
        var shardCount = parse.GetValue<int?>("--shard-count");
        Assert.That(shardCount, Is.EqualTo(completions), "--shard-count must equal the Job's completions, or shards are lost or refused");
        foreach (var index in Enumerable.Range(0, completions))
            Assert.That(ScoreCommand.ResolveShard(null, shardCount, index.ToString(CultureInfo.InvariantCulture)), Is.EqualTo(Shard.Of(index, completions)));
        Assert.That(ScoreCommand.ParseFormat(parse.GetValue<string>("--format")!), Is.EqualTo(ScoreFormat.Csv));
        Assert.That(parse.GetValue<int>("--chunk-size"), Is.GreaterThanOrEqualTo(1));
        Assert.That(Text(job, "spec.template.spec.restartPolicy"), Is.AnyOf("Never", "OnFailure"));
    }

    [Test]
    public void EveryPodReadsAndWritesOneSharedVolumeAsANonRootUser()
    {
        var manifest = Load(JobFile);
        var job = manifest.Single("Job");
        var claim = manifest.Single("PersistentVolumeClaim");
        var pod = At(job, "spec.template.spec")!;
        var container = Items(pod, "containers").Cast<YamlMappingNode>().Single();
        var parse = CommandLineApp.Build().Parse(["score", .. Texts(container, "args")]);
        var volumes = Items(pod, "volumes").ToDictionary(v => Text(v, "name")!);
        var mounts = Items(container, "volumeMounts").ToDictionary(m => Text(m, "mountPath")!, m => Text(m, "name")!);

        Assert.That(Texts(claim, "spec.accessModes"), Does.Contain("ReadWriteMany"), "all pods mount the volume at once");
        foreach (var option in new[] { "--input", "--out" })
        {
            var path = parse.GetValue<string?>(option)!;
            var mount = mounts.Keys.Where(m => path.StartsWith(m.TrimEnd('/') + "/", StringComparison.Ordinal)).OrderByDescending(m => m.Length).FirstOrDefault();
            Assert.That(mount, Is.Not.Null, $"{option} {path} lies on a mounted volume");
            Assert.That(Text(volumes[mounts[mount!]], "persistentVolumeClaim.claimName"), Is.EqualTo(Text(claim, "metadata.name")), $"{option} is on the shared claim");
        }
        Assert.That(Text(pod, "securityContext.runAsNonRoot"), Is.EqualTo("true"));
        Assert.That(Text(pod, "securityContext.runAsUser"), Is.Not.EqualTo("0"));
        Assert.That(Text(container, "securityContext.readOnlyRootFilesystem"), Is.EqualTo("true"));
        Assert.That(mounts.Keys, Does.Contain("/tmp"), "the only other writable path");
        Assert.That(Text(container, "resources.requests.cpu"), Is.Not.Null);
        Assert.That(Text(container, "resources.requests.memory"), Is.Not.Null);
    }
}
