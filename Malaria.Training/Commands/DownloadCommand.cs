using System.CommandLine;
using Malaria.Training.Data;
using Spectre.Console;

namespace Malaria.Training.Commands;

/// <summary><c>download [--url URL] [--out DIR] [--sha256 HEX]</c>: fetch and extract the NIH cell images.</summary>
public static class DownloadCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "Zip archive to fetch (http or https).", DefaultValueFactory = _ => DatasetDownloader.NihUrl };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder to extract into.", DefaultValueFactory = _ => new DirectoryInfo("datasets") };
        var sha256 = new Option<string?>("--sha256") { Description = "Expected SHA-256 of the archive; the download is rejected when it differs." };
        var command = new Command("download", "Download the NIH malaria cell images zip, verify it and extract it (nothing is left half-written on failure).")
        {
            url, output, sha256,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var text = parse.GetRequiredValue(url);
            if (!Uri.TryCreate(text, UriKind.Absolute, out var source) || source.Scheme is not ("http" or "https"))
                throw new CommandLineException($"--url '{text}' is not an http or https address.");
            await Download(source, parse.GetRequiredValue(output).FullName, parse.GetValue(sha256), cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>Downloads <paramref name="source"/>, checks it and extracts it into <paramref name="folder"/>, with a progress bar.</summary>
    public static async Task Download(Uri source, string folder, string? sha256 = null, CancellationToken cancellationToken = default)
    {
        AnsiConsole.MarkupLine($"Downloading [bold]{Markup.Escape(source.ToString())}[/] into [bold]{Markup.Escape(folder)}[/]");
        IReadOnlyList<string> added = [];
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("download", maxValue: 1);
                using var http = DatasetDownloader.CreateHttpClient();
                var downloader = new DatasetDownloader(http)
                {
                    Progress = new Progress<(long Received, long? Total)>(p =>
                    {
                        task.MaxValue = p.Total ?? Math.Max(task.MaxValue, p.Received);
                        task.Value = p.Received;
                    }),
                };
                added = await downloader.DownloadAndExtractAsync(source, folder, sha256, cancellationToken);
                task.Value = task.MaxValue;
            });
        foreach (var path in added) AnsiConsole.MarkupLine($"Extracted [bold]{Markup.Escape(path)}[/]");
    }
}
