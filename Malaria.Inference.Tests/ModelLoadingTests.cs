using System.Security.Cryptography;
using Malaria.Inference;
using Malaria.Inference.Models;

namespace Malaria.Inference.Tests;

/// <summary>Both model formats load with their card; broken models fail with a message naming the file and the problem.</summary>
public sealed class ModelLoadingTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void DeleteFolder() => _folder.Dispose();

    [TestCase(".zip", ModelFormat.MlNetZip)]
    [TestCase(".onnx", ModelFormat.Onnx)]
    public void Loads_labels_input_size_and_file_hash(string extension, ModelFormat format)
    {
        var path = TestModels.Write(_folder.Path, flipped: false, extension);
        using var classifier = MalariaClassifier.Load(path);
        Assert.That(classifier.Model.Format, Is.EqualTo(format));
        Assert.That(classifier.Labels, Is.EqualTo(TestModels.Labels));
        Assert.That((classifier.Model.InputWidth, classifier.Model.InputHeight), Is.EqualTo((16, 16)));
        Assert.That(classifier.Version, Is.EqualTo(TestModels.VersionOf(File.ReadAllBytes(path))), "the model's bytes and its card's");
        Assert.That(classifier.LoadedAt, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
    }

    [TestCase(".zip")]
    [TestCase(".onnx")]
    public void Red_is_parasitized_and_blue_uninfected_and_flipped_models_disagree(string extension)
    {
        using var normal = MalariaClassifier.Load(TestModels.Write(_folder.Combine("a"), flipped: false, extension));
        using var flipped = MalariaClassifier.Load(TestModels.Write(_folder.Combine("b"), flipped: true, extension));
        using var red = TestImages.Decoded(TestImages.Tint.Red, seed: 5);
        using var blue = TestImages.Decoded(TestImages.Tint.Blue, seed: 6);
        Assert.That(normal.Classify(red).Label, Is.EqualTo("Parasitized"));
        Assert.That(normal.Classify(blue).Label, Is.EqualTo("Uninfected"));
        Assert.That(flipped.Classify(red).Label, Is.EqualTo("Uninfected"));
        var prediction = normal.Classify(red);
        Assert.That(prediction.IsParasitized, Is.True);
        Assert.That(prediction.Confidence, Is.EqualTo(prediction.ScoreOf("Parasitized")));
        Assert.That(prediction.Scores.Keys, Is.EqualTo(TestModels.Labels));
        Assert.That(prediction.ScoreVector.Sum(), Is.EqualTo(1f).Within(1e-4f));
    }

    [TestCase(".zip")]
    [TestCase(".onnx")]
    public void Batch_keeps_input_order_and_matches_single_predictions(string extension)
    {
        using var classifier = MalariaClassifier.Load(TestModels.Write(_folder.Path, flipped: false, extension), new MalariaClassifierOptions { BatchSize = 8 });
        var images = Enumerable.Range(0, 21)
            .Select(i => TestImages.Decoded(i % 3 == 0 ? TestImages.Tint.Red : TestImages.Tint.Blue, size: 16 + i % 4, seed: i))
            .ToList();
        try
        {
            var batch = classifier.ClassifyBatch(images);
            Assert.That(batch, Has.Count.EqualTo(images.Count));
            for (var i = 0; i < images.Count; i++)
            {
                Assert.That(batch[i].Label, Is.EqualTo(i % 3 == 0 ? "Parasitized" : "Uninfected"), $"image {i}");
                Assert.That(batch[i].ScoreVector, Is.EqualTo(classifier.Classify(images[i]).ScoreVector).Within(1e-5f), $"image {i}");
            }
        }
        finally
        {
            images.ForEach(i => i.Dispose());
        }
    }

    [TestCase(".zip")]
    [TestCase(".onnx")]
    public void The_callers_image_survives_when_it_already_has_the_model_size(string extension)
    {
        // ML.NET's ResizeImages passes a same-size image through and disposes it on the next row; the library must
        // not let that dispose an image it does not own.
        using var classifier = MalariaClassifier.Load(TestModels.Write(_folder.Path, flipped: false, extension));
        using var image = TestImages.Decoded(TestImages.Tint.Red, size: TestModels.Size);
        using var other = TestImages.Decoded(TestImages.Tint.Blue, size: TestModels.Size);
        for (var i = 0; i < 3; i++)
        {
            Assert.That(classifier.Classify(image).Label, Is.EqualTo("Parasitized"));
            Assert.That(classifier.Classify(other).Label, Is.EqualTo("Uninfected"));
        }
        Assert.That(classifier.ClassifyBatch([image, other, image]).Select(p => p.Label), Is.EqualTo(new[] { "Parasitized", "Uninfected", "Parasitized" }));
        Assert.That(classifier.ClassifyBatch([other, image]).Select(p => p.Label), Is.EqualTo(new[] { "Uninfected", "Parasitized" }));
        Assert.That(image.Width, Is.EqualTo(TestModels.Size), "still usable");
    }

    [Test]
    public void Batch_of_files_keeps_order_and_names_a_bad_file()
    {
        using var classifier = MalariaClassifier.Load(TestModels.Write(_folder.Path, flipped: false), new MalariaClassifierOptions { BatchSize = 4 });
        var paths = Enumerable.Range(0, 10).Select(i =>
        {
            var path = _folder.Combine($"cell{i}.png");
            File.WriteAllBytes(path, TestImages.Png(i % 2 == 0 ? TestImages.Tint.Red : TestImages.Tint.Blue, seed: i));
            return path;
        }).ToList();
        var results = classifier.ClassifyBatch(paths);
        Assert.That(results.Select(r => r.Label), Is.EqualTo(paths.Select((_, i) => i % 2 == 0 ? "Parasitized" : "Uninfected")));
        File.WriteAllBytes(paths[6], []);
        Assert.That(Assert.Throws<Malaria.Inference.Imaging.InvalidImageException>(() => classifier.ClassifyBatch(paths))!.SourceName, Is.EqualTo(paths[6]));
    }

    [Test]
    public void Missing_card_is_named()
    {
        var path = TestModels.Write(_folder.Path, flipped: false);
        File.Delete(ModelCard.PathBeside(path));
        var error = Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(path))!;
        Assert.That(error.Message, Does.Contain(path).And.Contain("model.json").And.Contain("missing"));
    }

    [Test]
    public void Card_whose_label_order_disagrees_with_the_zip_is_rejected()
    {
        var path = TestModels.Write(_folder.Path, flipped: false);
        var card = TestModels.Card();
        card.Labels = ["Uninfected", "Parasitized"];
        card.Save(ModelCard.PathBeside(path));
        var error = Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(path))!;
        Assert.That(error.Message, Does.Contain("[Parasitized, Uninfected]"));
    }

    [Test]
    public void Card_with_wrong_label_count_is_rejected_for_onnx()
    {
        var path = TestModels.Write(_folder.Path, flipped: false, ".onnx");
        var card = TestModels.Card();
        card.Labels = ["A", "B", "C"];
        card.PositiveLabel = "A";
        card.Save(ModelCard.PathBeside(path));
        Assert.That(Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(path))!.Message, Does.Contain("probabilities"));
    }

    [Test]
    public void Onnx_without_probabilities_output_is_rejected()
    {
        var path = TestModels.Write(_folder.Path, flipped: false, ".onnx");
        File.WriteAllBytes(path, TinyOnnxModel.Create(16, flipped: false, hidden: 4, outputName: "scores"));
        var error = Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(path))!;
        Assert.That(error.Message, Does.Contain("no 'probabilities' output").And.Contain("scores"));
    }

    [TestCase(".zip")]
    [TestCase(".onnx")]
    public void Garbage_file_is_rejected_with_its_path(string extension)
    {
        var path = TestModels.Write(_folder.Path, flipped: false, extension);
        File.WriteAllText(path, "not a model");
        var error = Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(path))!;
        Assert.That(error.ModelPath, Is.EqualTo(path));
        Assert.That(error.Message, Does.StartWith($"Model '{path}' cannot be loaded"));
    }

    [Test]
    public void Unknown_extension_and_missing_file_are_clear()
    {
        Assert.That(Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(_folder.Combine("model.pt")))!.Message, Does.Contain(".zip (ML.NET) or .onnx"));
        Assert.That(Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(_folder.Combine("none.zip")))!.Message, Does.Contain("does not exist"));
    }

    [Test]
    public void A_model_path_naming_a_fifo_or_a_directory_is_refused_without_opening_it()
    {
        var fifo = _folder.Combine("model.zip");
        TestModels.Card().Save(ModelCard.PathBeside(fifo));
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])!) mkfifo.WaitForExit();
        Assert.That(Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(fifo))!.Message, Does.Contain("not a regular file"));
        var folder = _folder.Combine("model.onnx");
        Directory.CreateDirectory(folder);
        Assert.That(Assert.Throws<ModelLoadException>(() => MalariaClassifier.Load(folder))!.Message, Does.Contain("is a directory"));
    }
}
