using System.Globalization;
using System.Net;
using Malaria.TestSupport;
using Malaria.TestSupport.Deployment;
using Malaria.Web.Tests.Support;
using YamlDotNet.RepresentationModel;
using static Malaria.TestSupport.Deployment.KubernetesManifest;

namespace Malaria.Web.Tests.Deployment;

/// <summary>
/// deploy/kubernetes/web.yaml cannot be applied here (no cluster), so it is checked against the app instead: the
/// container port is the one the Dockerfile exposes and tells ASP.NET Core to listen on, the probe paths answer 200 on
/// the real app, the Service and the autoscaler reach the Deployment, and the scoring limiter matches the cores requested.
/// </summary>
public sealed class KubernetesWebTests
{
    private static readonly string ManifestPath = Path.Combine(Repository.Root, "deploy", "kubernetes", "web.yaml");
    private static readonly string DockerfilePath = Path.Combine(Repository.Root, "Malaria.Web", "Dockerfile");

    private static (KubernetesManifest Manifest, YamlMappingNode Deployment, YamlMappingNode Container) Read()
    {
        var manifest = Load(ManifestPath);
        var deployment = manifest.Single("Deployment");
        var container = Items(deployment, "spec.template.spec.containers").Cast<YamlMappingNode>().Single();
        return (manifest, deployment, container);
    }

    [Test]
    public void TheContainerListensOnThePortTheImageExposesFromTheImageTheDockerfileBuilds()
    {
        var (_, _, container) = Read();
        var instructions = DockerfileInstructions.Read(DockerfilePath);
        var exposed = instructions.Single(i => i.Instruction == "EXPOSE").Arguments;
        var env = string.Join(" ", instructions.Where(i => i.Instruction == "ENV").Select(i => i.Arguments));
        var port = Items(container, "ports").Single();

        Assert.That(Text(port, "containerPort"), Is.EqualTo(exposed));
        Assert.That(env, Does.Contain($"ASPNETCORE_HTTP_PORTS={exposed}"));
        Assert.That(Text(container, "image"), Does.StartWith(DockerfileInstructions.DocumentedTag(DockerfilePath) + ":"));
    }

    [Test]
    public async Task TheProbesPointAtTheHealthEndpointsAndTheyAnswerOnTheRealApp()
    {
        var (_, _, container) = Read();
        var portName = Text(Items(container, "ports").Single(), "name");
        using var app = new MalariaWebFactory();
        using var client = app.CreateClient();

        foreach (var (probe, expected) in new[] { ("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live") })
        {
            var path = Text(container, $"{probe}.httpGet.path");
            Assert.That(path, Is.EqualTo(expected), probe);
            Assert.That(Text(container, $"{probe}.httpGet.port"), Is.EqualTo(portName).Or.EqualTo(Text(Items(container, "ports").Single(), "containerPort")), $"{probe} probes the container's port");
            using var response = await client.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{probe} {path} answers on the app");
        }
    }

    [Test]
    public void TheServiceAndTheAutoscalerReachTheDeployment()
    {
        var (manifest, deployment, container) = Read();
        var service = manifest.Single("Service");
        var autoscaler = manifest.Single("HorizontalPodAutoscaler");
        var podLabels = ((YamlMappingNode)At(deployment, "spec.template.metadata.labels")!).Children.ToDictionary(c => c.Key.ToString(), c => c.Value.ToString());
        var port = Items(container, "ports").Single();

        Assert.That(((YamlMappingNode)At(deployment, "spec.selector.matchLabels")!).Children.ToDictionary(c => c.Key.ToString(), c => c.Value.ToString()), Is.SubsetOf(podLabels));
        Assert.That(((YamlMappingNode)At(service, "spec.selector")!).Children.ToDictionary(c => c.Key.ToString(), c => c.Value.ToString()), Is.SubsetOf(podLabels));
        Assert.That(Text(Items(service, "spec.ports").Single(), "targetPort"), Is.EqualTo(Text(port, "name")).Or.EqualTo(Text(port, "containerPort")));
        Assert.That(Text(autoscaler, "apiVersion"), Is.EqualTo("autoscaling/v2"));
        Assert.That((Text(autoscaler, "spec.scaleTargetRef.kind"), Text(autoscaler, "spec.scaleTargetRef.name")), Is.EqualTo(("Deployment", Text(deployment, "metadata.name"))));
        Assert.That(int.Parse(Text(autoscaler, "spec.minReplicas")!, CultureInfo.InvariantCulture), Is.InRange(1, int.Parse(Text(autoscaler, "spec.maxReplicas")!, CultureInfo.InvariantCulture)));
        Assert.That(Text(Items(autoscaler, "spec.metrics").Single(), "resource.name"), Is.EqualTo("cpu"), "CPU utilization needs a CPU request, checked below");
    }

    [Test]
    public void ThePodRequestsCpuAndMemoryAndScoresOnAsManySlotsAsCoresRequested()
    {
        var (_, deployment, container) = Read();
        var env = Items(container, "env").ToDictionary(e => Text(e, "name")!, e => Text(e, "value"));

        Assert.That(Text(container, "resources.requests.memory"), Is.Not.Null);
        Assert.That(Text(container, "resources.limits.memory"), Is.Not.Null);
        // Environment.ProcessorCount (the limiter's default) is the node's cores when no CPU limit is set: fix it here.
        Assert.That(env["Web__MaxConcurrentScoring"], Is.EqualTo(Text(container, "resources.requests.cpu")));
        Assert.That(Text(deployment, "spec.template.spec.securityContext.runAsNonRoot"), Is.EqualTo("true"));
        Assert.That(Text(container, "securityContext.readOnlyRootFilesystem"), Is.EqualTo("true"));
        Assert.That(Items(container, "volumeMounts").Select(m => Text(m, "mountPath")), Does.Contain("/tmp"), "the one writable path the image needs (Malaria.Web/Dockerfile)");
    }
}
