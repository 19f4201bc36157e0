using Microsoft.ML.Data;
using Malaria.Inference;
using Malaria.Inference.Decisions;
using Malaria.Inference.DependencyInjection;
using Malaria.Inference.Models;
using Malaria.Inference.Pooling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Malaria.Inference.Tests.Decisions;

/// <summary>
/// The card's temperature calibrates every prediction, its operating points decide the label, a classifier can be
/// told another point (options, or per prediction), and cards without these entries predict exactly as before.
/// </summary>
public sealed class OperatingPointTests
{
    private static ModelCard CalibratedCard(double temperature, string? defaultPoint = null, string views = "1") => new()
    {
        Labels = TestModels.Labels,
        InputWidth = TestModels.Size,
        InputHeight = TestModels.Size,
        Properties = new Dictionary<string, string> { ["views"] = views },
        Calibration = [new ModelCalibration { Views = 1, Temperature = temperature }, new ModelCalibration { Views = 8, Temperature = temperature * 2 }],
        OperatingPoints =
        [
            new OperatingPoint { Name = "balanced", Views = 1, Threshold = 0.5, Sensitivity = 0.95, Specificity = 0.97, Source = "test" },
            new OperatingPoint { Name = "screening", Views = 1, Threshold = 1e-6 },
            new OperatingPoint { Name = "strict", Views = 1, Threshold = 1 - 1e-6 },
            new OperatingPoint { Name = "balanced", Views = 8, Threshold = 0.5 },
        ],
        DefaultOperatingPoint = defaultPoint,
    };

    private static string WriteModel(TempFolder folder, ModelCard? card)
    {
        var path = TestModels.Write(folder.Path, flipped: false, ".onnx");
        if (card is not null) card.Save(ModelCard.PathBeside(path));
        return path;
    }

    /// <summary>
    /// A flat image whose red and blue means differ a little, so the test model (linear in the channel means) gives
    /// an unsaturated probability; framing is off so the flat crop is scored as it is.
    /// </summary>
    private static MLImage Greyish(byte red = 128, byte blue = 118)
    {
        var bgra = new byte[TestModels.Size * TestModels.Size * 4];
        for (var i = 0; i < bgra.Length; i += 4) (bgra[i], bgra[i + 1], bgra[i + 2], bgra[i + 3]) = (blue, 100, red, 255);
        return MLImage.CreateFromPixels(TestModels.Size, TestModels.Size, MLPixelFormat.Bgra32, bgra);
    }

    private static MalariaClassifierOptions Options(string? point = null) => new() { FrameCrops = false, OperatingPoint = point };

    private static float Sigmoid(double x) => (float)(1 / (1 + Math.Exp(-x)));

    [Test]
    public void The_cards_temperature_calibrates_the_probabilities()
    {
        using var folder = new TempFolder();
        using var image = Greyish();
        float raw;
        using (var plain = MalariaClassifier.Load(WriteModel(folder, null), Options())) raw = plain.Classify(image).ScoreOf("Parasitized");
        Assert.That(raw, Is.InRange(0.55f, 0.99f), "the test model gives an unsaturated probability");

        using var calibrated = MalariaClassifier.Load(WriteModel(folder, CalibratedCard(temperature: 2.5)), Options());
        var p = calibrated.Classify(image);

        var expected = Sigmoid(Math.Log(raw / (1 - raw)) / 2.5);
        Assert.That(p.ScoreOf("Parasitized"), Is.EqualTo(expected).Within(1e-5f));
        Assert.That(p.ScoreVector.Sum(), Is.EqualTo(1f).Within(1e-5f));
        Assert.That(calibrated.Model.Temperature, Is.EqualTo(2.5));
        Assert.That(calibrated.Model.ScoredViews, Is.EqualTo(1));
    }

    [Test]
    public void The_temperature_of_the_scored_views_is_used()
    {
        var rule = DecisionRule.Resolve(CalibratedCard(1.5, views: "8"), ScoredViews.Of(CalibratedCard(1.5, views: "8")), null);
        Assert.That(rule.Views, Is.EqualTo(8));
        Assert.That(rule.Temperature, Is.EqualTo(3));
        Assert.That(rule.Points.Select(p => p.Name), Is.EqualTo(new[] { "balanced" }));
    }

    [Test]
    public void Calibration_matches_sigmoid_of_the_scaled_logit_and_keeps_the_order()
    {
        var rule = DecisionRule.Resolve(CalibratedCard(2), 1, null);
        float[] low = [0.2f, 0.8f], high = [0.9f, 0.1f];
        var cl = rule.Calibrate(low);
        var ch = rule.Calibrate(high);
        Assert.That(cl[0], Is.EqualTo(Sigmoid(Math.Log(0.2 / 0.8) / 2)).Within(1e-6f));
        Assert.That(ch[0], Is.EqualTo(Sigmoid(Math.Log(0.9 / 0.1) / 2)).Within(1e-6f));
        Assert.That(cl[0], Is.GreaterThan(0.2f), "a temperature above 1 pulls probabilities towards 0.5");
        Assert.That(ch[0], Is.LessThan(0.9f));
    }

    [TestCase(null, "balanced")]
    [TestCase("screening", "screening")]
    [TestCase("strict", "strict")]
    public void The_label_follows_the_chosen_operating_point(string? chosen, string expected)
    {
        using var folder = new TempFolder();
        using var classifier = MalariaClassifier.Load(WriteModel(folder, CalibratedCard(1.3)), Options(chosen));
        using var image = Greyish(red: 118, blue: 128);

        var p = classifier.Classify(image);

        Assert.That(p.OperatingPoint, Is.EqualTo(expected));
        Assert.That(classifier.Model.OperatingPoint.Name, Is.EqualTo(expected));
        Assert.That(p.IsParasitized, Is.EqualTo(p.ScoreOf("Parasitized") >= p.Threshold));
        Assert.That(p.Label, Is.EqualTo(p.IsParasitized ? "Parasitized" : "Uninfected"));
        Assert.That(p.Confidence, Is.EqualTo(p.ScoreOf(p.Label)), "the confidence is the decided label's probability");
        if (expected == "screening") Assert.That(p.IsParasitized, Is.True, "a threshold of 1e-6 calls every cell Parasitized");
        if (expected == "strict") Assert.That(p.IsParasitized, Is.False, "a threshold of 1 - 1e-6 calls none");
    }

    [Test]
    public void A_prediction_can_be_decided_at_another_point_without_rescoring()
    {
        using var folder = new TempFolder();
        using var classifier = MalariaClassifier.Load(WriteModel(folder, CalibratedCard(1)), Options());
        using var image = Greyish();
        var p = classifier.Classify(image);
        Assert.That(p.IsParasitized, Is.True, "balanced: P(Parasitized) above 0.5");

        var screening = p.AtOperatingPoint("screening");
        var strict = p.AtOperatingPoint("strict");

        Assert.That(screening.ScoreVector, Is.EqualTo(p.ScoreVector));
        Assert.That((screening.IsParasitized, screening.Threshold), Is.EqualTo((true, 1e-6)));
        Assert.That((strict.IsParasitized, strict.Label), Is.EqualTo((false, "Uninfected")));
        Assert.That(strict.Confidence, Is.EqualTo(strict.ScoreOf("Uninfected")));
        var error = Assert.Throws<ArgumentException>(() => p.AtOperatingPoint("nonsense"))!;
        Assert.That(error.Message, Does.Contain("nonsense").And.Contain("screening"));
    }

    [Test]
    public void The_cards_default_point_decides_unless_the_options_name_another()
    {
        using var folder = new TempFolder();
        var path = WriteModel(folder, CalibratedCard(1, defaultPoint: "screening"));
        using (var byCard = MalariaClassifier.Load(path)) Assert.That(byCard.Model.OperatingPoint.Name, Is.EqualTo("screening"));
        using var byOptions = MalariaClassifier.Load(path, new MalariaClassifierOptions { OperatingPoint = "balanced" });
        Assert.That(byOptions.Model.OperatingPoint.Name, Is.EqualTo("balanced"));
        Assert.That(byOptions.Model.OperatingPoints.Select(o => o.Name), Is.EqualTo(new[] { "balanced", "screening", "strict" }));
        Assert.That(byOptions.Model.OperatingPoint.Sensitivity, Is.EqualTo(0.95));
    }

    [Test]
    public void An_unknown_operating_point_fails_at_load_naming_it_and_the_known_ones()
    {
        using var folder = new TempFolder();
        var path = WriteModel(folder, CalibratedCard(1));
        var error = Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(path, new MalariaClassifierOptions { OperatingPoint = "triage" }))!;
        Assert.That(error.Message, Does.Contain("'triage'").And.Contain("balanced, screening, strict"));
    }

    [Test]
    public void A_card_that_does_not_cover_the_scored_views_fails_at_load()
    {
        using var folder = new TempFolder();
        var card = CalibratedCard(1, views: "8");
        card.Calibration = [new ModelCalibration { Views = 1, Temperature = 1.2 }];
        var error = Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(WriteModel(folder, card)))!;
        Assert.That(error.Message, Does.Contain("8 view"));
    }

    [Test]
    public void A_card_without_calibration_or_points_predicts_as_before()
    {
        using var folder = new TempFolder();
        using var classifier = MalariaClassifier.Load(WriteModel(folder, null));
        using var red = TestImages.Decoded(TestImages.Tint.Red);
        using var blue = TestImages.Decoded(TestImages.Tint.Blue);

        Assert.That(classifier.Model.Temperature, Is.EqualTo(1));
        Assert.That(classifier.Model.OperatingPoints.Select(o => (o.Name, o.Threshold)), Is.EqualTo(new[] { ("balanced", 0.5) }));
        foreach (var p in new[] { classifier.Classify(red), classifier.Classify(blue) })
        {
            var best = p.ScoreVector[0] >= p.ScoreVector[1] ? 0 : 1;
            Assert.That(p.Label, Is.EqualTo(TestModels.Labels[best]), "the most probable label, ties to the first");
            Assert.That(p.Confidence, Is.EqualTo(p.ScoreVector[best]));
            Assert.That(p.OperatingPoint, Is.EqualTo("balanced"));
        }
        // The raw scores pass through untouched (temperature 1 is not recomputed).
        Assert.That(DecisionRule.Resolve(TestModels.Card(), 1, null).Calibrate([0.3f, 0.7f]), Is.EqualTo(new[] { 0.3f, 0.7f }));
    }

    private static readonly string[] BadCards =
    [
        """{ "labels": ["Parasitized", "Uninfected"], "calibration": [{ "views": 1, "temperature": 0 }] }""",
        """{ "labels": ["Parasitized", "Uninfected"], "calibration": [{ "views": 1, "temperature": -2 }] }""",
        """{ "labels": ["Parasitized", "Uninfected"], "calibration": [{ "views": 1, "temperature": 1 }, { "views": 1, "temperature": 2 }] }""",
        """{ "labels": ["Parasitized", "Uninfected"], "calibration": [{ "views": 0, "temperature": 1 }] }""",
        """{ "labels": ["Parasitized", "Uninfected"], "operatingPoints": [{ "name": "balanced", "threshold": 0 }] }""",
        """{ "labels": ["Parasitized", "Uninfected"], "operatingPoints": [{ "name": "balanced", "threshold": 1 }] }""",
        """{ "labels": ["Parasitized", "Uninfected"], "operatingPoints": [{ "name": "balanced", "threshold": 1.5 }] }""",
        """{ "labels": ["Parasitized", "Uninfected"], "operatingPoints": [{ "name": "", "threshold": 0.5 }] }""",
        """{ "labels": ["Parasitized", "Uninfected"], "operatingPoints": [{ "name": "balanced", "threshold": 0.5 }, { "name": "balanced", "threshold": 0.3 }] }""",
        """{ "labels": ["Parasitized", "Uninfected"], "operatingPoints": [{ "name": "balanced", "threshold": 0.5, "sensitivity": 1.2 }] }""",
        """{ "labels": ["Parasitized", "Uninfected"], "operatingPoints": [{ "name": "balanced", "threshold": 0.5 }], "defaultOperatingPoint": "screening" }""",
        """{ "labels": ["Parasitized", "Uninfected"], "operatingPoints": [{ "name": "screening", "threshold": 0.1 }] }""",
        """{ "labels": ["Parasitized", "Uninfected"], "defaultOperatingPoint": "screening" }""",
    ];

    [TestCaseSource(nameof(BadCards))]
    public void A_card_with_a_bad_calibration_or_point_is_refused_with_a_clear_error(string json)
    {
        var error = Assert.Throws<InvalidDataException>(() => ModelCard.Parse(json, "card.json"))!;
        Assert.That(error.Message, Does.Contain("card.json").And.Match("calibration|operating point|operatingPoints|defaultOperatingPoint"));
    }

    [Test]
    public void The_calibration_entries_round_trip_through_json()
    {
        var card = CalibratedCard(1.7, defaultPoint: "screening");
        var parsed = ModelCard.Parse(card.ToJson());
        Assert.That(parsed.Calibration!.Select(c => (c.Views, c.Temperature)), Is.EqualTo(new[] { (1, 1.7), (8, 3.4) }));
        Assert.That(parsed.OperatingPoints!.Count, Is.EqualTo(4));
        Assert.That(parsed.DefaultOperatingPoint, Is.EqualTo("screening"));
        Assert.That(card.ToJson(), Does.Contain("\"operatingPoints\"").And.Contain("\"defaultOperatingPoint\"").And.Contain("\"temperature\""));
    }

    [Test]
    public void A_pool_model_can_have_its_own_point_and_the_others_keep_theirs()
    {
        using var folder = new TempFolder();
        var path = WriteModel(folder, CalibratedCard(1));
        using var pool = new MalariaPredictionEnginePool(Options()).FromDefault().FromFile("screened", path, operatingPoint: "screening").FromFile("plain", path);

        Assert.That(pool.GetModelInfo("screened").OperatingPoint.Name, Is.EqualTo("screening"));
        Assert.That(pool.GetModelInfo("plain").OperatingPoint.Name, Is.EqualTo("balanced"));
        Assert.That(pool.GetModelInfo("default").OperatingPoint.Name, Is.EqualTo("balanced"), "the built-in card has no points: balanced");
        using var image = Greyish(red: 118, blue: 128);
        Assert.That(pool.GetClassifier("screened").Classify(image).IsParasitized, Is.True);
    }

    [Test]
    public void Configuration_binds_the_operating_point_of_the_options_and_of_each_model()
    {
        using var folder = new TempFolder();
        var path = WriteModel(folder, CalibratedCard(1));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Malaria:FrameCrops"] = "false",
            ["Malaria:OperatingPoint"] = "strict",
            ["Malaria:Models:default:Path"] = path,
            ["Malaria:Models:screened:Path"] = path,
            ["Malaria:Models:screened:OperatingPoint"] = "screening",
        }).Build();
        var services = new ServiceCollection();
        services.AddMalariaClassifier(configuration.GetSection("Malaria"));
        using var provider = services.BuildServiceProvider();
        var pool = provider.GetRequiredService<MalariaPredictionEnginePool>();

        Assert.That(pool.GetModelInfo("default").OperatingPoint.Name, Is.EqualTo("strict"));
        Assert.That(pool.GetModelInfo("screened").OperatingPoint.Name, Is.EqualTo("screening"));
    }

    [Test]
    public void A_reload_to_a_card_without_the_chosen_point_fails_and_the_old_model_keeps_serving()
    {
        using var folder = new TempFolder();
        var path = WriteModel(folder, CalibratedCard(1));
        using var classifier = MalariaClassifier.Load(path, Options("screening"));
        var version = classifier.Version;

        TestModels.Card().Save(ModelCard.PathBeside(path));

        Assert.That(classifier.Reload(), Is.False);
        Assert.That(classifier.LastReloadFailure?.Message, Does.Contain("'screening'"));
        Assert.That(classifier.Version, Is.EqualTo(version));
        Assert.That(classifier.Model.OperatingPoint.Name, Is.EqualTo("screening"));
    }
}
