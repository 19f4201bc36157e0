using Malaria.Training;

namespace Malaria.Training.Tests.Commands;

/// <summary>Runs the trainer's CLI in-process and captures what it wrote to standard error.</summary>
internal static class Cli
{
    public static (int Code, string Error) Run(params string[] args)
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try { return (CommandLineApp.Run(args), error.ToString()); }
        finally { Console.SetError(previous); }
    }
}
