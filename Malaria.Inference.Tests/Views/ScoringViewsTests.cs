using Malaria.Inference.DependencyInjection;
using Malaria.Inference.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.ML.Data;

namespace Malaria.Inference.Tests.Views;

/// <summary>
/// Views as a choice: one view by default, the mean logits of the 8 turned and mirrored images when asked (per call or
/// in the options), computed here by hand from explicit flips and transposes; never views on top of a graph that
/// averages them itself.
/// </summary>
public sealed class ScoringViewsTests
{
    private const int Size = PositionalOnnxModel.Size;

    [Test]
    public void One_view_by_default_is_the_graphs_own_single_view()
    {
        using var folder = new TempFolder();
        using var classifier = MalariaClassifier.Load(WriteOnnx(folder, PositionalOnnxModel.Create()), Unframed());
        using var image = TestImages.Decoded(TestImages.Tint.Red, Size, seed: 3);

        var prediction = classifier.Classify(image);

        Assert.That(prediction.ScoredViews, Is.EqualTo(1));
        Assert.That(prediction.ScoreVector, Is.EqualTo(Softmax(PositionalOnnxModel.Logits(Tensor(image)))).Within(1e-5));
    }

    [TestCase(true, TestName = "Eight views average the logits of the turned and mirrored images")]
    [TestCase(false, TestName = "Eight views of a graph with probabilities only average their logarithms, to the same result")]
    public void Eight_views_average_the_logits_of_the_eight_views(bool withLogits)
    {
        using var folder = new TempFolder();
        using var classifier = MalariaClassifier.Load(WriteOnnx(folder, PositionalOnnxModel.Create(withLogits)), Unframed());
        using var image = TestImages.Decoded(TestImages.Tint.Blue, Size, seed: 5);

        var single = classifier.Classify(image);
        var eight = classifier.Classify(image, ScoringViews.Dihedral);

        Assert.That(eight.ScoredViews, Is.EqualTo(8));
        Assert.That(eight.ScoreVector, Is.EqualTo(ExpectedEightViews(Tensor(image))).Within(1e-5));
        Assert.That(Math.Abs(eight.ScoreVector[0] - single.ScoreVector[0]), Is.GreaterThan(1e-3), "the model is not view-invariant, so the views matter");
    }

    [Test]
    public void The_options_choose_the_views_of_calls_that_name_none_and_a_call_can_override_them()
    {
        using var folder = new TempFolder();
        var path = WriteOnnx(folder, PositionalOnnxModel.Create());
        using var single = MalariaClassifier.Load(path, Unframed());
        using var eight = MalariaClassifier.Load(path, Unframed(ScoringViews.Dihedral));
        using var image = TestImages.Decoded(TestImages.Tint.Red, Size, seed: 8);

        Assert.That(eight.Classify(image).ScoreVector, Is.EqualTo(single.Classify(image, ScoringViews.Dihedral).ScoreVector));
        Assert.That(eight.Classify(image, ScoringViews.Single).ScoreVector, Is.EqualTo(single.Classify(image).ScoreVector));
        Assert.That(eight.Classify(image).ScoredViews, Is.EqualTo(8));
    }

    // A batch of 9 images with 8 views is 72 rows: one ONNX Runtime run of 64 rows and one of 8.
    [TestCase(3, 7)]
    [TestCase(9, 10)]
    public void Batches_with_eight_views_score_each_image_as_a_single_call_does(int batchSize, int count)
    {
        using var folder = new TempFolder();
        using var classifier = MalariaClassifier.Load(WriteOnnx(folder, PositionalOnnxModel.Create()), Unframed(batchSize: batchSize));
        var images = Enumerable.Range(0, count).Select(i => TestImages.Decoded(i % 2 == 0 ? TestImages.Tint.Red : TestImages.Tint.Blue, Size, seed: 20 + i)).ToList();
        var paths = Enumerable.Range(0, count).Select(i => folder.Write($"cell{i}.png", TestImages.Png(i % 2 == 0 ? TestImages.Tint.Red : TestImages.Tint.Blue, Size, Size, seed: 40 + i))).ToList();
        try
        {
            var batch = classifier.ClassifyBatch(images, ScoringViews.Dihedral);
            Assert.That(batch.Select(p => p.ScoreVector.ToArray()), Is.EqualTo(images.Select(i => classifier.Classify(i, ScoringViews.Dihedral).ScoreVector.ToArray())));
            var files = classifier.ClassifyBatch(paths, ScoringViews.Dihedral);
            Assert.That(files.Select(p => p.ScoreVector.ToArray()), Is.EqualTo(paths.Select(p => classifier.Classify(p, ScoringViews.Dihedral).ScoreVector.ToArray())));
            Assert.That(files.Select(p => p.ScoredViews), Is.All.EqualTo(8));
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }

    [TestCase(true, TestName = "Grad-CAM of eight views turns each view's map back onto the upright image, then rectifies the mean")]
    [TestCase(false, TestName = "Grad-CAM of eight views without maps before the Relu averages the rectified maps, turned back")]
    public void Explain_with_eight_views_turns_the_maps_back(bool withCamPreRelu)
    {
        using var folder = new TempFolder();
        using var classifier = MalariaClassifier.Load(WriteOnnx(folder, PositionalOnnxModel.Create(withCamPreRelu: withCamPreRelu)), Unframed());
        using var image = TestImages.Decoded(TestImages.Tint.Red, Size, seed: 9);

        var single = classifier.Explain(image, "Parasitized");
        var eight = classifier.Explain(image, "Parasitized", ScoringViews.Dihedral);

        // The model's maps follow the image, so every view's map, turned back, is the upright map.
        Assert.That(eight.Heatmap.Values, Is.EqualTo(single.Heatmap.Values).Within(1e-5));
        Assert.That(eight.Prediction.ScoredViews, Is.EqualTo(8));
        Assert.That(eight.Prediction.ScoreVector, Is.EqualTo(classifier.Classify(image, ScoringViews.Dihedral).ScoreVector).Within(1e-6));
    }

    [TestCase("legacy property", TestName = "A graph whose old card says it averages 8 views gets none on top")]
    [TestCase("views section", TestName = "A graph whose card says inGraph 8 gets none on top")]
    public void A_graph_that_averages_views_itself_gets_none_on_top(string how)
    {
        using var folder = new TempFolder();
        // The positional model is not view-invariant: views added on top would change its scores.
        var path = how == "legacy property"
            ? WriteOnnx(folder, PositionalOnnxModel.Create(), properties: new Dictionary<string, string> { ["views"] = "8" })
            : WriteOnnx(folder, PositionalOnnxModel.Create(), new ModelCardViews { InGraph = 8, Recommended = 8 });
        using var classifier = MalariaClassifier.Load(path, Unframed());
        using var image = TestImages.Decoded(TestImages.Tint.Blue, Size, seed: 4);

        var asked = classifier.Classify(image, ScoringViews.Dihedral);
        var plain = classifier.Classify(image, ScoringViews.Single);

        Assert.That(asked.ScoreVector, Is.EqualTo(plain.ScoreVector));
        Assert.That(asked.ScoreVector, Is.EqualTo(Softmax(PositionalOnnxModel.Logits(Tensor(image)))).Within(1e-5), "the graph's own output");
        Assert.That(new[] { asked.ScoredViews, plain.ScoredViews }, Is.All.EqualTo(8), "reported as the graph's 8 views");
        Assert.That(classifier.Explain(image, views: ScoringViews.Dihedral).Prediction.ScoreVector, Is.EqualTo(plain.ScoreVector).Within(1e-6));
    }

    [Test]
    public void The_built_in_model_scores_one_view_and_eight_when_asked()
    {
        using var classifier = MalariaClassifier.LoadDefault();
        using var image = TestImages.Decoded(TestImages.Tint.Red, 64, seed: 2);

        Assert.That(classifier.Model.Card.Views, Is.Not.Null.And.Property(nameof(ModelCardViews.Recommended)).EqualTo(8), "chosen with 8 views");
        Assert.That(classifier.Model.ViewsToApply(ScoringViews.Dihedral), Is.EqualTo(8), "its graph scores one view; the library averages 8");
        var plain = classifier.Classify(image);
        var asked = classifier.Classify(image, ScoringViews.Dihedral);
        Assert.That((plain.ScoredViews, asked.ScoredViews), Is.EqualTo((1, 8)));
        Assert.That(asked.ScoreVector, Is.Not.EqualTo(plain.ScoreVector), "a red test image is not symmetric, so its views differ");
    }

    [Test]
    public void A_zip_model_averages_the_log_probabilities_of_its_eight_view_images()
    {
        using var folder = new TempFolder();
        using var classifier = MalariaClassifier.Load(TestModels.Write(folder.Path, flipped: false), Unframed());
        using var image = TestImages.Decoded(TestImages.Tint.Red, 20, seed: 6);

        var views = ViewImagesByHand(image);
        try
        {
            var logs = views.Select(v => classifier.Classify(v).ScoreVector.Select(p => Math.Log(p)).ToArray()).ToList();
            var expected = Softmax([logs.Average(l => l[0]), logs.Average(l => l[1])]);
            var eight = classifier.Classify(image, ScoringViews.Dihedral);
            Assert.That(eight.ScoreVector, Is.EqualTo(expected).Within(1e-5));
            Assert.That(eight.ScoredViews, Is.EqualTo(8));
        }
        finally
        {
            foreach (var view in views) view.Dispose();
        }
    }

    [Test]
    public void Views_other_than_one_or_eight_and_thread_counts_out_of_range_are_refused_naming_the_setting()
    {
        var options = new MalariaClassifierOptions { Views = (ScoringViews)4 };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MalariaClassifier.LoadDefault(options));
        Assert.That(error!.ParamName, Is.EqualTo(nameof(MalariaClassifierOptions.Views)));

        using var classifier = MalariaClassifier.LoadDefault();
        using var image = TestImages.Decoded(TestImages.Tint.Red, 64, seed: 2);
        Assert.That(() => classifier.Classify(image, (ScoringViews)2), Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("Dihedral"));
        Assert.That(() => MalariaClassifier.LoadDefault(new MalariaClassifierOptions { DecodeThreads = 0 }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(nameof(MalariaClassifierOptions.DecodeThreads)));
        Assert.That(() => MalariaClassifier.LoadDefault(new MalariaClassifierOptions { OnnxIntraOpThreads = -1 }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(nameof(MalariaClassifierOptions.OnnxIntraOpThreads)));
    }

    [Test]
    public void The_views_bind_from_configuration_by_name()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Malaria:Views"] = "Dihedral" }).Build();
        var services = new ServiceCollection();
        services.AddMalariaClassifier(configuration.GetSection("Malaria"));
        using var provider = services.BuildServiceProvider();
        Assert.That(provider.GetRequiredService<IOptions<MalariaClassifierOptions>>().Value.Views, Is.EqualTo(ScoringViews.Dihedral));
    }

    [TestCase("""{ "inGraph": 4, "recommended": 4 }""", "averages 4 views")]
    [TestCase("""{ "inGraph": 1, "recommended": 3 }""", "recommends 3 views")]
    [TestCase("""{ "inGraph": 8, "recommended": 1 }""", "averages 8 itself")]
    public void A_card_with_impossible_views_is_refused(string views, string message)
    {
        var json = $$"""{ "labels": ["Parasitized", "Uninfected"], "inputWidth": 16, "inputHeight": 16, "views": {{views}} }""";
        Assert.That(() => ModelCard.Parse(json, "card.json"), Throws.TypeOf<InvalidDataException>().With.Message.Contains(message).And.Message.Contains("card.json"));
    }

    [Test]
    public void The_views_section_round_trips_and_older_cards_read_as_before()
    {
        var card = ModelCard.Parse("""{ "labels": ["Parasitized", "Uninfected"], "views": { "inGraph": 1, "recommended": 8 } }""");
        Assert.That((card.Views!.InGraph, card.Views.Recommended, card.ViewsInGraph), Is.EqualTo((1, 8, 1)));
        Assert.That(card.ToJson(), Does.Contain("\"recommended\": 8"));
        var legacy = ModelCard.Parse("""{ "labels": ["Parasitized", "Uninfected"], "properties": { "views": "8" } }""");
        Assert.That((legacy.Views, legacy.ViewsInGraph), Is.EqualTo(((ModelCardViews?)null, 8)));
        var backbone = ModelCard.Parse("""{ "labels": ["Parasitized", "Uninfected"], "properties": { "averageViewsAtPrediction": "True" } }""");
        Assert.That(backbone.ViewsInGraph, Is.EqualTo(8));
        Assert.That(ModelCard.Parse("""{ "labels": ["Parasitized", "Uninfected"] }""").ViewsInGraph, Is.EqualTo(1));
    }

    private static MalariaClassifierOptions Unframed(ScoringViews views = ScoringViews.Single, int batchSize = 32) =>
        new() { FrameCrops = false, Views = views, BatchSize = batchSize };

    private static string WriteOnnx(TempFolder folder, byte[] onnx, ModelCardViews? views = null, Dictionary<string, string>? properties = null)
    {
        var path = folder.Combine("model.onnx");
        new ModelCard { Labels = TestModels.Labels, InputWidth = Size, InputHeight = Size, Trainer = "test", Views = views, Properties = properties }
            .Save(ModelCard.PathBeside(path));
        File.WriteAllBytes(path, onnx);
        return path;
    }

    /// <summary>The model's input tensor [3,S,S] for an image, as the library builds it.</summary>
    private static float[] Tensor(MLImage image)
    {
        var chw = new float[3 * Size * Size];
        TensorPreprocessor.FillChw(image, chw, Size, Size);
        return chw;
    }

    /// <summary>Softmax of the mean logits over the 8 views, each view made by explicit flips of an explicit transpose.</summary>
    private static double[] ExpectedEightViews(float[] chw)
    {
        var transposed = Map(chw, (y, x) => (x, y));
        float[][] views =
        [
            chw, Map(chw, (y, x) => (y, Size - 1 - x)), Map(chw, (y, x) => (Size - 1 - y, x)), Map(chw, (y, x) => (Size - 1 - y, Size - 1 - x)),
            transposed, Map(transposed, (y, x) => (y, Size - 1 - x)), Map(transposed, (y, x) => (Size - 1 - y, x)), Map(transposed, (y, x) => (Size - 1 - y, Size - 1 - x)),
        ];
        var logits = views.Select(PositionalOnnxModel.Logits).ToList();
        return Softmax([logits.Average(l => l[0]), logits.Average(l => l[1])]);
    }

    /// <summary>A [3,S,S] tensor whose pixel (y, x) is the source's pixel <paramref name="from"/>(y, x).</summary>
    private static float[] Map(float[] chw, Func<int, int, (int Y, int X)> from)
    {
        var result = new float[chw.Length];
        for (var c = 0; c < 3; c++)
            for (var y = 0; y < Size; y++)
                for (var x = 0; x < Size; x++)
                {
                    var (sy, sx) = from(y, x);
                    result[c * Size * Size + y * Size + x] = chw[c * Size * Size + sy * Size + sx];
                }
        return result;
    }

    /// <summary>The 8 views of a square image as images, by explicit pixel moves.</summary>
    private static List<MLImage> ViewImagesByHand(MLImage image)
    {
        var n = image.Width;
        var pixels = image.Pixels.ToArray();
        MLImage Make(Func<int, int, (int Y, int X)> from)
        {
            var result = new byte[pixels.Length];
            for (var y = 0; y < n; y++)
                for (var x = 0; x < n; x++)
                {
                    var (sy, sx) = from(y, x);
                    Array.Copy(pixels, (sy * n + sx) * 4, result, (y * n + x) * 4, 4);
                }
            return MLImage.CreateFromPixels(n, n, image.PixelFormat, result);
        }
        return
        [
            Make((y, x) => (y, x)), Make((y, x) => (y, n - 1 - x)), Make((y, x) => (n - 1 - y, x)), Make((y, x) => (n - 1 - y, n - 1 - x)),
            Make((y, x) => (x, y)), Make((y, x) => (n - 1 - x, y)), Make((y, x) => (x, n - 1 - y)), Make((y, x) => (n - 1 - x, n - 1 - y)),
        ];
    }

    private static double[] Softmax(double[] logits)
    {
        var max = logits.Max();
        var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
        return exp.Select(e => e / exp.Sum()).ToArray();
    }
}
