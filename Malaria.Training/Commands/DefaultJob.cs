using Malaria.Training.Data;
using Malaria.Training.Pipelines;
using Malaria.Training.Torch;

namespace Malaria.Training.Commands;

/// <summary>
/// What <c>dotnet run --project Malaria.Training</c> does with no arguments: find (or download) the data, split it by
/// patient, train the default model, evaluate it and write everything under <c>artifacts/default</c>, saying plainly
/// what each stage is doing. Every stage is also a command of its own.
/// </summary>
public static class DefaultJob
{
    /// <summary>The trainer used: the small CNN, chosen for the accuracy it reaches per second of training on a few CPU cores.</summary>
    public const string Trainer = "cnn";

    /// <summary>
    /// The CNN settings chosen by 5-fold patient cross-validation (<c>crossvalidate</c>, <c>compare-cv</c>; the protocol
    /// is in docs/training.md), which are also <c>train --trainer cnn</c>'s defaults
    /// (<see cref="TorchTrainingOptions.Defaults"/>). The model they make, its metrics and its cost are on its card,
    /// Malaria.Inference/DefaultModel/MODEL_CARD.md; the runs behind the choice are in docs/experiments/.
    /// </summary>
    internal static TorchTrainingOptions TrainingOptions => TorchTrainingOptions.Defaults(TorchArchitecture.Cnn) with
    {
        // The final evaluation also scores every cell as the mean of its 8 rotations and mirror images, and the card
        // records that the model was chosen with them.
        AverageViews = true,
    };

    /// <summary>Runs the job; returns the exit code. Failures are exceptions, which the command line reports as one line.</summary>
    public static int Run(CancellationToken cancellationToken = default)
    {
        var data = FindData();
        if (data is null)
        {
            Console.WriteLine("Stage 1/4: no data found in datasets/cell_images or ../shared; downloading the NIH cell images (about 337 MB).");
            DownloadCommand.Download(new Uri(DatasetDownloader.NihUrl), Path.GetFullPath("datasets"), cancellationToken: cancellationToken).GetAwaiter().GetResult();
            data = Path.GetFullPath(Path.Combine("datasets", "cell_images"));
        }
        else Console.WriteLine($"Stage 1/4: using the images in {data}.");

        const string run = "artifacts/default";
        Directory.CreateDirectory(run);
        var split = Path.Combine(run, "split.csv");
        // The settings were chosen by cross-validation over the training and validation patients, so the final fit
        // trains on both (no epoch is chosen on validation: all run, the last is kept) and the test patients stay unseen.
        Console.WriteLine($"Stage 2/4: checking the images and splitting them by patient into {split} (test patients apart; validation patients join training).");
        SplitCommand.Write(data, null, Path.GetFullPath(split), mergeValidation: true);

        Console.WriteLine($"Stage 3/4: training the {Trainer} model (progress per epoch below), then exporting model.onnx and model.zip.");
        Console.WriteLine("Stage 4/4 comes at the end of training: the exported model is evaluated on the test patients (metrics.json, report.md, pictures).");
        NetworkTraining.Run(Trainer, TrainingOptions, SplitFile.Read(split), Path.GetFullPath(run), TrainingProgress.Console(), cancellationToken);
        Console.WriteLine($"Done: model and report in {Path.GetFullPath(run)}.");
        return 0;
    }

    private static string? FindData()
    {
        var local = Path.GetFullPath(Path.Combine("datasets", "cell_images"));
        if (Directory.Exists(local)) return local;
        return Directory.Exists(SharedPaths.MalariaImages) ? SharedPaths.MalariaImages : null;
    }
}
