using System.CommandLine;

namespace Malaria.Training.Commands;

/// <summary><c>inspect --data DIR</c>: counts, groups, sizes and every problem found in a labeled image folder.</summary>
public static class DownloadCommand
{
    public static Command Create()
    {
        var command = new Command("download", "Report label counts, patient groups, image sizes and problems of a labeled image folder.");
        return command;
    }
}
