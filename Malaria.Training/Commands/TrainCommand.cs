using System.CommandLine;
using Malaria.Training.Data;
using Malaria.Training.MlNet;
using Malaria.Training.Pipelines;
using Microsoft.ML.Transforms.Image;

namespace Malaria.Training.Commands;

/// <summary>
/// <c>train --trainer mobilenetv2-features --data DIR --out DIR</c>: transfer learning on the pretrained MobileNetV2,
/// evaluated on the test part, saved as <c>model.zip</c> + <c>model.json</c> with metrics, report and pictures.
/// </summary>
public static class TrainCommand
{
    /// <summary>The trainer names <c>--trainer</c> accepts.</summary>
    public const string MobileNetV2Features = MobileNetV2FeaturesTraining.TrainerName;

    public static Command Create()
    {
        var trainer = new Option<string>("--trainer")
        {
            Description = $"Which trainer: {MobileNetV2Features} (frozen MobileNetV2 features + an ML.NET classifier), cnn (small CNN from scratch, TorchSharp) or mobilenetv2 (MobileNetV2 fine-tuned or frozen, TorchSharp).",
            DefaultValueFactory = _ => MobileNetV2Features,
        };
        trainer.AcceptOnlyFromAmong([MobileNetV2Features, .. TorchTrainCommand.Trainers]);
        var data = CommonOptions.Data(required: false);
        data.Description += " Required unless --split is given.";
        var groupPattern = CommonOptions.GroupPattern();
        var seed = CommonOptions.Seed();
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Run folder for model.zip, model.json, split.csv, metrics and report.", Required = true };
        var split = new Option<FileInfo?>("--split") { Description = "Reuse a split CSV (from 'split'); default: split --data by patient with --seed." };
        var backbone = new Option<FileInfo?>("--backbone") { Description = "MobileNetV2 1.0/224 ONNX file. Default: ../shared/models/mobilenetv2-imagenet/mobilenetv2_1.0_224.onnx." };
        var workspace = new Option<DirectoryInfo>("--workspace")
        {
            Description = "Folder for the bottleneck feature cache, reused across runs.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "cache")),
        };
        var classifier = new Option<FeatureClassifier>("--classifier") { Description = "Classifier on the features.", DefaultValueFactory = _ => FeatureClassifier.LbfgsMaximumEntropy };
        var normalization = new Option<FeatureNormalization>("--normalization") { Description = "Feature normalisation before the classifier.", DefaultValueFactory = _ => new MobileNetV2FeaturesTrainer.Options().Normalization };
        var resizing = new Option<ImageResizingEstimator.ResizingKind>("--resizing") { Description = "How images become 224x224.", DefaultValueFactory = _ => new MobileNetV2FeaturesTrainer.Options().Resizing };
        var augmentation = new Option<ImageAugmentation>("--augmentation") { Description = "Flipped/rotated views of the training images added to the classifier's training set.", DefaultValueFactory = _ => new MobileNetV2FeaturesTrainer.Options().Augmentation };
        var kernelRank = new Option<int>("--kernel-rank") { Description = "Random Fourier features of a Gaussian kernel before the classifier (0 = off).", DefaultValueFactory = _ => new MobileNetV2FeaturesTrainer.Options().KernelMapRank };
        var kernelGamma = new Option<float>("--kernel-gamma") { Description = "Gaussian kernel gamma for --kernel-rank.", DefaultValueFactory = _ => new MobileNetV2FeaturesTrainer.Options().KernelGamma };
        // One option for every trainer, with each trainer's own default: the features model averages its backbone
        // features (chosen on validation: on), the networks their logits (off; crossvalidate measures both).
        var averageViews = new Option<bool?>("--average-views")
        {
            Description = "Score each image as the mean over its 8 rotations/mirror images, inside the model (8x prediction cost). " +
                "Default: on for mobilenetv2-features (its features), off for cnn and mobilenetv2 (their logits); --average-views false|true sets it.",
        };
        var l1 = new Option<float>("--l1") { Description = "L1 regularisation.", DefaultValueFactory = _ => new MobileNetV2FeaturesTrainer.Options().L1Regularization };
        var l2 = new Option<float>("--l2") { Description = "L2 regularisation.", DefaultValueFactory = _ => new MobileNetV2FeaturesTrainer.Options().L2Regularization };
        var iterations = new Option<int?>("--max-iterations") { Description = "Iteration cap of the classifier (default: the trainer's own)." };
        var evalPart = new Option<SplitPart>("--eval-part")
        {
            Description = "Part measured at the end (written to metrics.json): test for the final number, validation while choosing hyper-parameters.",
            DefaultValueFactory = _ => SplitPart.Test,
        };
        var workers = new Option<int>("--workers") { Description = "Parallel backbone sessions for feature extraction.", DefaultValueFactory = _ => Environment.ProcessorCount };

        var calibration = CommonOptions.Calibration();
        var command = new Command("train", "Train a model, evaluate it on the test part and save model.zip (and model.onnx for networks) with model.json, metrics, report and pictures.")
        {
            trainer, data, groupPattern, split, output, seed, backbone, workspace, classifier, normalization, resizing, augmentation, averageViews, kernelRank, kernelGamma, l1, l2, iterations, workers, evalPart, calibration,
        };
        // The TorchSharp trainers' options (image size, epochs, learning rate...) join this command, sharing --data, --split, --out, --seed and --backbone.
        TorchTrainCommand.AddTo(command, trainer);
        command.SetAction((parse, cancellationToken) =>
        {
            var trainerName = parse.GetRequiredValue(trainer);
            if (TorchTrainCommand.Trainers.Contains(trainerName))
            {
                CommonOptions.RejectUnused(parse, [groupPattern, workspace, classifier, normalization, resizing, augmentation, kernelRank, kernelGamma, l1, l2, iterations, workers, evalPart],
                    trainerName, $"--trainer {MobileNetV2Features}");
                return Task.FromResult(TorchTrainCommand.Run(command, parse, cancellationToken, parse.GetValue(calibration)?.FullName));
            }
            CommonOptions.RejectUnused(parse, [.. TorchTrainCommand.NetworkOnlyOptions(command), calibration], trainerName, $"--trainer {string.Join(" or ", TorchTrainCommand.Trainers)}");
            var settings = new MobileNetV2FeaturesTraining.Settings
            {
                DataFolder = parse.GetValue(data)?.FullName,
                GroupPattern = parse.GetValue(groupPattern),
                SplitFile = parse.GetValue(split)?.FullName,
                RunFolder = parse.GetRequiredValue(output).FullName,
                Seed = parse.GetValue(seed),
                EvaluationPart = parse.GetValue(evalPart),
                Options = new MobileNetV2FeaturesTrainer.Options
                {
                    BackbonePath = parse.GetValue(backbone)?.FullName ?? SharedPaths.MobileNetV2Onnx,
                    WorkspacePath = parse.GetRequiredValue(workspace).FullName,
                    Classifier = parse.GetValue(classifier),
                    Normalization = parse.GetValue(normalization),
                    Resizing = parse.GetValue(resizing),
                    Augmentation = parse.GetValue(augmentation),
                    AverageViewsAtPrediction = parse.GetValue(averageViews) ?? new MobileNetV2FeaturesTrainer.Options().AverageViewsAtPrediction,
                    KernelMapRank = parse.GetValue(kernelRank),
                    KernelGamma = parse.GetValue(kernelGamma),
                    L1Regularization = parse.GetValue(l1),
                    L2Regularization = parse.GetValue(l2),
                    MaximumNumberOfIterations = parse.GetValue(iterations),
                    ExtractionWorkers = parse.GetValue(workers),
                    Seed = parse.GetValue(seed),
                },
            };
            if (settings.DataFolder is null && settings.SplitFile is null)
                throw new CommandLineException("Give --data DIR (split by patient) or --split FILE.");
            MobileNetV2FeaturesTraining.Run(settings);
            return Task.FromResult(0);
        });
        return command;
    }
}
