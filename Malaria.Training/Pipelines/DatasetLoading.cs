using Malaria.Training.Data;
using Spectre.Console;

namespace Malaria.Training.Pipelines;

/// <summary>The first stage of every pipeline that starts from an image folder: load and check it, showing progress.</summary>
public static class DatasetLoading
{
    /// <summary>Loads a dataset with a progress bar on the console.</summary>
    public static ImageFolderDataset Load(string root, string? groupPattern)
    {
        ImageFolderDataset? dataset = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("Checking images");
                dataset = ImageFolderDataset.Load(root, new ImageFolderOptions
                {
                    GroupPattern = groupPattern,
                    Progress = new Progress<(int Done, int Total)>(p => { task.MaxValue = p.Total; task.Value = p.Done; }),
                });
                task.Value = task.MaxValue;
            });
        return dataset!;
    }
}
